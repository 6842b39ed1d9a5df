import Glibc

extension FileDescriptor {
    /// `mount(2)` with `MS_BIND` of the file `source` names onto the file this descriptor names.
    public func bindMount(from source: borrowing FileDescriptor) throws(SystemError) {
        let failure: Int32? = source.withProcPath { from in
            withProcPath { target in
                Glibc.mount(from, target, nil, UInt(MS_BIND), nil) == 0 ? nil : errno
            }
        }
        if let failure { throw SystemError(call: "mount", path: path, errno: failure) }
    }
}

import Glibc

extension FileDescriptor {
    /// `mount(2)` of a new file system of `type` on the directory this
    /// descriptor names (an `O_PATH` descriptor is enough).
    public func mount(fileSystem type: String, source: String, flags: UInt, options: String?) throws(SystemError) {
        let failure: Int32? = withProcPath { target in
            Glibc.mount(source, target, type, flags, options) == 0 ? nil : errno
        }
        if let failure { throw SystemError(call: "mount", path: path, errno: failure) }
    }

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

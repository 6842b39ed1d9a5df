import Glibc

/// The new mount API (Linux 5.2+): a tmpfs that is mounted nowhere while it
/// is filled, moved onto a file or directory named by a descriptor: nothing
/// is looked up by path. (A detached copy of one file, `open_tree`, is
/// attach's alone: `PassthroughContainerEntry`.)
public enum MountAPI {
    /// `fsopen(2)`, `fsconfig(2)` and `fsmount(2)`: a new tmpfs, mounted
    /// nowhere (nosuid, noexec; device nodes work). The descriptor is its root.
    /// - Parameter options: `fsconfig` strings, e.g. `("size", "1m")`.
    public static func detachedTmpfs(source: String, options: [(String, String)]) throws(SystemError) -> FileDescriptor {
        let context = try tmpfsContext(source: source)
        for (key, value) in options {
            try set(key, value, in: context)
        }
        return try mount(context, source: source)
    }

    /// The same, with the options written as a mount's are (`size=1m,mode=0711`;
    /// an option without `=` is set to the empty string). Read in place: an
    /// array of (key, value) tuples, or of the parts, made pre-start
    /// instantiate the array's metadata (~30,000 instructions).
    public static func detachedTmpfs(source: String, options: String) throws(SystemError) -> FileDescriptor {
        let context = try tmpfsContext(source: source)
        let utf8 = options.utf8
        var start = utf8.startIndex
        while start < utf8.endIndex {
            var end = start, equals = utf8.endIndex
            while end < utf8.endIndex && utf8[end] != UInt8(ascii: ",") {
                if equals == utf8.endIndex && utf8[end] == UInt8(ascii: "=") { equals = end }
                utf8.formIndex(after: &end)
            }
            if equals != utf8.endIndex {
                try set(String(options[start..<equals]), String(options[utf8.index(after: equals)..<end]), in: context)
            } else if start < end {
                try set(String(options[start..<end]), "", in: context)
            }
            start = end < utf8.endIndex ? utf8.index(after: end) : end
        }
        return try mount(context, source: source)
    }

    private static func tmpfsContext(source: String) throws(SystemError) -> FileDescriptor {
        let fd = fsopen("tmpfs", UInt32(FSOPEN_CLOEXEC))
        guard fd >= 0 else { throw SystemError(call: "fsopen", path: "tmpfs", errno: errno) }
        let context = FileDescriptor(rawValue: fd, path: "tmpfs")
        try set("source", source, in: context)
        return context
    }

    private static func set(_ key: String, _ value: String, in context: borrowing FileDescriptor) throws(SystemError) {
        if fsconfig(context.rawValue, FSCONFIG_SET_STRING.rawValue, key, value, 0) != 0 {
            throw SystemError(call: "fsconfig", path: "tmpfs \(key)=\(value)", errno: errno)
        }
    }

    private static func mount(_ context: borrowing FileDescriptor, source: String) throws(SystemError) -> FileDescriptor {
        if fsconfig(context.rawValue, FSCONFIG_CMD_CREATE.rawValue, nil, nil, 0) != 0 {
            throw SystemError(call: "fsconfig", path: "tmpfs (create)", errno: errno)
        }
        let mount = fsmount(context.rawValue, UInt32(FSMOUNT_CLOEXEC), UInt32(MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC))
        guard mount >= 0 else { throw SystemError(call: "fsmount", path: "tmpfs", errno: errno) }
        return FileDescriptor(rawValue: mount, path: "(detached tmpfs \(source))")
    }

    /// `move_mount(2)` of a detached mount onto the file `target` names
    /// (both as descriptors: nothing is looked up by path).
    public static func move(_ mount: borrowing FileDescriptor, onto target: borrowing FileDescriptor) throws(SystemError) {
        let flags = UInt32(MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH)
        if move_mount(mount.rawValue, "", target.rawValue, "", flags) != 0 {
            throw SystemError(call: "move_mount", path: target.path, errno: errno)
        }
    }
}

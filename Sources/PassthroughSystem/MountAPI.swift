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
        let fd = fsopen("tmpfs", UInt32(FSOPEN_CLOEXEC))
        guard fd >= 0 else { throw SystemError(call: "fsopen", path: "tmpfs", errno: errno) }
        let context = FileDescriptor(rawValue: fd, path: "tmpfs")
        for (key, value) in [("source", source)] + options {
            if fsconfig(context.rawValue, FSCONFIG_SET_STRING.rawValue, key, value, 0) != 0 {
                throw SystemError(call: "fsconfig", path: "tmpfs \(key)=\(value)", errno: errno)
            }
        }
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

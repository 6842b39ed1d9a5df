import Glibc
import PassthroughSystem

extension FileDescriptor {
    /// `open_tree(2)` with `OPEN_TREE_CLONE`: a detached bind mount of the
    /// child `name` (not following a symlink), for `MountAPI.move` to put
    /// into a container. Only live attach makes one: the hooks do not link it.
    public func cloneTree(_ name: String) throws(SystemError) -> FileDescriptor {
        let flags = UInt32(OPEN_TREE_CLONE) | UInt32(O_CLOEXEC) | UInt32(AT_SYMLINK_NOFOLLOW)
        let fd = withUnsafeNumber { open_tree($0, name, flags) }
        guard fd >= 0 else { throw SystemError(call: "open_tree", path: child(name), errno: errno) }
        return FileDescriptor(rawValue: fd, path: child(name))
    }
}

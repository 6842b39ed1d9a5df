import CNamespaceShims
import Glibc
import PassthroughSystem

/// Reading a file of a container's root file system from the host, confined
/// to it: the container's root owns what is there, and may have made the
/// file a symlink to a host file, a FIFO, a device or a file of a gigabyte.
public enum ConfinedFile {
    /// The file at `path` under `root` (a directory descriptor standing for
    /// the container's `/`): opened with `openat2(RESOLVE_IN_ROOT)`, so that
    /// no `..` or symlink leads out of it, non-blocking (a FIFO does not hang
    /// the open), and read only if it is a regular file of at most `limit` bytes.
    public static func read(_ path: String, under root: borrowing FileDescriptor, describedAs name: String, limit: Int) throws(SystemError) -> [UInt8] {
        let shown = name + path
        let fd = root.withUnsafeNumber { shim_openat2_in_root($0, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) }
        guard fd >= 0 else { throw SystemError(call: "openat2", path: shown, errno: errno) }
        let file = FileDescriptor(rawValue: fd, path: shown)
        let info = try file.status()
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw SystemError(call: "fstat", path: "\(shown) (\(fileTypeName(mode: info.st_mode)), not a regular file)", errno: EINVAL)
        }
        guard info.st_size <= limit else {
            throw SystemError(call: "fstat", path: "\(shown) (\(info.st_size) bytes, more than \(limit))", errno: EFBIG)
        }
        return try file.readAll(limit: limit)
    }
}

import CLinuxShims
import Glibc
import PassthroughModel

/// Calls on paths rather than descriptors.
public enum FileSystem {
    /// `stat(2)`, following symbolic links.
    public static func status(_ path: String) throws(SystemError) -> stat {
        var result = stat()
        if stat(path, &result) != 0 { throw SystemError(call: "stat", path: path, errno: errno) }
        return result
    }

    /// `umount2(2)`.
    public static func unmount(_ path: String, flags: Int32) throws(SystemError) {
        if umount2(path, flags) != 0 { throw SystemError(call: "umount2", path: path, errno: errno) }
    }

    /// `mkdir(2)` (the umask applies).
    public static func makeDirectory(_ path: String, mode: mode_t) throws(SystemError) {
        if mkdir(path, mode) != 0 { throw SystemError(call: "mkdir", path: path, errno: errno) }
    }

    /// `rmdir(2)`.
    public static func removeDirectory(_ path: String) throws(SystemError) {
        if rmdir(path) != 0 { throw SystemError(call: "rmdir", path: path, errno: errno) }
    }

    /// `unlink(2)` (never follows a symlink: it removes the link).
    public static func removeFile(_ path: String) throws(SystemError) {
        if unlink(path) != 0 { throw SystemError(call: "unlink", path: path, errno: errno) }
    }

    /// `readlink(2)`.
    public static func readLink(_ path: String) throws(SystemError) -> String {
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink(path, &buffer, 4096)
        guard count >= 0 else { throw SystemError(call: "readlink", path: path, errno: errno) }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Reads a whole file of at most `limit` bytes.
    public static func readFile(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
        let file = try FileDescriptor.open(path, flags: O_RDONLY)
        return try file.readAll(limit: limit)
    }

    /// `statx(2)` with `AT_STATX_DONT_SYNC`: the file's type and, for a
    /// device node, its device, as the kernel has them cached (FUSE and
    /// network file systems are not asked). Follows a final symlink, as `stat` does.
    public static func cachedType(_ path: String) throws(SystemError) -> (mode: UInt32, device: DeviceNumber) {
        var mode: UInt32 = 0, major: UInt32 = 0, minor: UInt32 = 0
        guard shim_cached_type(path, &mode, &major, &minor) == 0 else { throw SystemError(call: "statx", path: path, errno: errno) }
        return (mode, DeviceNumber(major: major, minor: minor))
    }

    /// When the file was made (`statx` birth time; its last status change
    /// where the file system keeps none), in ns since the epoch. Not following a symlink.
    public static func birthTime(_ path: String) throws(SystemError) -> Int64 {
        var nanoseconds: Int64 = 0
        guard shim_birth_time(path, &nanoseconds) == 0 else { throw SystemError(call: "statx", path: path, errno: errno) }
        return nanoseconds
    }
}

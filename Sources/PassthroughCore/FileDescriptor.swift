#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Runs `body` again while it fails with EINTR; the one place that retries.
@inline(__always)
func retryingOnInterrupt<T: BinaryInteger>(_ body: () -> T) -> T {
    while true {
        let result = body()
        if result == -1 && errno == EINTR { continue }
        return result
    }
}

/// An owned file descriptor, with the `*at` calls the hooks make relative to it.
/// Each wrapper names the C call in its error and the path it acted on.
public final class FileDescriptor {
    public let rawValue: Int32
    /// Where it was opened: a directory's path and a name in it (joined only
    /// for messages, so that opening many files builds no strings).
    private let base: String
    private let name: String?

    init(rawValue: Int32, path: String) {
        self.rawValue = rawValue
        self.base = path
        self.name = nil
    }

    private init(rawValue: Int32, directory: String, name: String) {
        self.rawValue = rawValue
        self.base = directory
        self.name = name
    }

    /// The path this descriptor was opened with, for messages.
    public var path: String {
        guard let name else { return base }
        return base.hasSuffix("/") ? base + name : base + "/" + name
    }

    deinit { _ = Glibc.close(rawValue) }

    /// The path of a child, for messages.
    public func child(_ name: String) -> String {
        path.hasSuffix("/") ? path + name : path + "/" + name
    }

    /// A path that names this descriptor's file for calls that take only paths
    /// (`mount`): the kernel resolves it to the file itself, not to a path that
    /// could be swapped.
    public var procPath: String { "/proc/self/fd/\(rawValue)" }

    /// `open(2)`.
    public static func open(_ path: String, flags: Int32, mode: mode_t = 0) throws(SystemError) -> FileDescriptor {
        let fd = retryingOnInterrupt { Glibc.open(path, flags | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw SystemError(call: "open", path: path, errno: errno) }
        return FileDescriptor(rawValue: fd, path: path)
    }

    /// `openat(2)` of a child name (no slashes).
    public func open(_ name: String, flags: Int32, mode: mode_t = 0) throws(SystemError) -> FileDescriptor {
        let fd = retryingOnInterrupt { openat(rawValue, name, flags | O_CLOEXEC, mode) }
        guard fd >= 0 else { throw SystemError(call: "openat", path: child(name), errno: errno) }
        return FileDescriptor(rawValue: fd, directory: path, name: name)
    }

    /// `mkdirat(2)`; an existing entry is not an error when `existingIsFine`.
    /// Returns whether the directory was made.
    @discardableResult
    public func makeDirectory(_ name: String, mode: mode_t, existingIsFine: Bool = true) throws(SystemError) -> Bool {
        if mkdirat(rawValue, name, mode) != 0 {
            let error = errno
            if error == EEXIST && existingIsFine { return false }
            throw SystemError(call: "mkdirat", path: child(name), errno: error)
        }
        return true
    }

    /// `mknodat(2)`.
    public func makeNode(_ name: String, mode: mode_t, device: DeviceNumber) throws(SystemError) {
        if mknodat(rawValue, name, mode, dev_t(device.rawValue)) != 0 {
            throw SystemError(call: "mknodat", path: child(name), errno: errno)
        }
    }

    /// `fchmodat(2)` (follows a symlink; used on nodes this process just made).
    public func setMode(_ name: String, mode: mode_t) throws(SystemError) {
        if fchmodat(rawValue, name, mode, 0) != 0 {
            throw SystemError(call: "fchmodat", path: child(name), errno: errno)
        }
    }

    /// `fchownat(2)` with `AT_SYMLINK_NOFOLLOW`.
    public func setOwner(_ name: String, uid: uid_t, gid: gid_t) throws(SystemError) {
        if fchownat(rawValue, name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0 {
            throw SystemError(call: "fchownat", path: child(name), errno: errno)
        }
    }

    /// `fstatat(2)` with `AT_SYMLINK_NOFOLLOW`.
    public func status(_ name: String) throws(SystemError) -> stat {
        var result = stat()
        if fstatat(rawValue, name, &result, AT_SYMLINK_NOFOLLOW) != 0 {
            throw SystemError(call: "fstatat", path: child(name), errno: errno)
        }
        return result
    }

    /// `fstat(2)`.
    public func status() throws(SystemError) -> stat {
        var result = stat()
        if fstat(rawValue, &result) != 0 {
            throw SystemError(call: "fstat", path: path, errno: errno)
        }
        return result
    }

    /// `unlinkat(2)`; with `directory`, `AT_REMOVEDIR`.
    public func remove(_ name: String, directory: Bool = false) throws(SystemError) {
        if unlinkat(rawValue, name, directory ? AT_REMOVEDIR : 0) != 0 {
            throw SystemError(call: "unlinkat", path: child(name), errno: errno)
        }
    }

    /// `write(2)` until all of `bytes` is written.
    public func writeAll(_ bytes: [UInt8]) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                retryingOnInterrupt { Glibc.write(rawValue, buffer.baseAddress! + offset, buffer.count - offset) }
            }
            guard written > 0 else { throw SystemError(call: "write", path: path, errno: written < 0 ? errno : EIO) }
            offset += written
        }
    }

    /// `read(2)` to the end of the file; a file longer than `limit` bytes is an EFBIG error.
    public func readAll(limit: Int) throws(SystemError) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { buffer in
                retryingOnInterrupt { Glibc.read(rawValue, buffer.baseAddress!, buffer.count) }
            }
            guard count >= 0 else { throw SystemError(call: "read", path: path, errno: errno) }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else { throw SystemError(call: "read", path: path, errno: EFBIG) }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// Names in this directory (`fdopendir(3)`/`readdir(3)` on a duplicate), without `.` and `..`.
    public func directoryEntries() throws(SystemError) -> [String] {
        let copy = openat(rawValue, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard copy >= 0 else { throw SystemError(call: "openat", path: path, errno: errno) }
        guard let stream = fdopendir(copy) else {
            let error = errno
            _ = Glibc.close(copy)
            throw SystemError(call: "fdopendir", path: path, errno: error)
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}

/// Calls on paths rather than descriptors.
public enum FileSystem {
    /// `stat(2)`, following symbolic links.
    public static func status(_ path: String) throws(SystemError) -> stat {
        var result = stat()
        if stat(path, &result) != 0 { throw SystemError(call: "stat", path: path, errno: errno) }
        return result
    }

    /// `mount(2)`. `path` names the target in messages when it is a `/proc/self/fd` path.
    public static func mount(
        source: String, target: String, type: String?, flags: UInt, options: String?, describedAs path: String
    ) throws(SystemError) {
        if Glibc.mount(source, target, type, flags, options) != 0 {
            throw SystemError(call: "mount", path: path, errno: errno)
        }
    }

    /// `umount2(2)`.
    public static func unmount(_ path: String, flags: Int32) throws(SystemError) {
        if umount2(path, flags) != 0 { throw SystemError(call: "umount2", path: path, errno: errno) }
    }

    /// Reads a whole file of at most `limit` bytes.
    public static func readFile(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
        let file = try FileDescriptor.open(path, flags: O_RDONLY)
        return try file.readAll(limit: limit)
    }
}

extension stat {
    /// The device number of a device node (`st_rdev`).
    var deviceNumber: DeviceNumber { DeviceNumber(rawValue: UInt64(st_rdev)) }

    /// Whether this is a node of device `type` `number`.
    func isNode(of type: DeviceType, _ number: DeviceNumber) -> Bool {
        DeviceType(mode: st_mode) == type && deviceNumber == number
    }
}

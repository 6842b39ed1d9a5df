import Glibc
import PassthroughModel

/// An owned file descriptor, with the calls made relative to it. Each
/// wrapper names the C call in its error and the path it acted on.
///
/// Not copyable: it has one owner and is closed when that owner is done with
/// it. Every call borrows it, so it stays open for the length of the call;
/// its number is seen only by this module's wrappers, inside `withProcPath`
/// (internal), and inside `withUnsafeNumber`, for a call wrapped elsewhere
/// (the container-entry calls the hooks must not link), each of which keeps
/// it open while its body runs. A descriptor can therefore never be closed,
/// or its number reused, while a call that names it is running.
public struct FileDescriptor: ~Copyable {
    /// The number, for this module's calls; each runs on a borrowed descriptor.
    let rawValue: Int32
    /// Where it was opened, joined into a path only for messages (see
    /// `OpenedPath`). Not a `String?`: destroying one here made every hook
    /// instantiate `Optional<String>`'s metadata (about 30,000 instructions).
    private let opened: OpenedPath

    /// Takes ownership of `rawValue`.
    package init(rawValue: Int32, path: String) {
        self.rawValue = rawValue
        self.opened = OpenedPath(path)
    }

    /// Takes ownership of a descriptor that came from elsewhere (a `Worker`'s request).
    public static func adopting(_ rawValue: Int32, path: String) -> FileDescriptor {
        FileDescriptor(rawValue: rawValue, path: path)
    }

    deinit { _ = Glibc.close(rawValue) }

    /// The path this descriptor was opened with, for messages.
    public var path: String { opened.path }

    /// The path of a child, for messages.
    public func child(_ name: String) -> String { OpenedPath(name, in: opened).path }

    /// Runs `body` with a path that names this descriptor's file, for calls
    /// that take only paths (`mount`): `/proc/self/fd/N` resolves to the file
    /// itself, not to a path that could be swapped. The descriptor is open
    /// until `body` returns. Written as a C string on the stack: an
    /// interpolated `String` and its C copy were about 1,300 instructions
    /// each, and autodev makes two for each device.
    func withProcPath<T, E: Error>(_ body: (UnsafePointer<CChar>) throws(E) -> T) throws(E) -> T {
        let prefix: StaticString = "/proc/self/fd/"
        var path: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)  // 32 zero bytes: the prefix, 10 digits at most, a NUL
        return try withUnsafeMutableBytes(of: &path) { (bytes) throws(E) -> T in
            let end = prefix.utf8CodeUnitCount
            bytes.copyMemory(from: UnsafeRawBufferPointer(start: prefix.utf8Start, count: end))
            var digits = UInt32(bitPattern: rawValue), count = 1
            while digits >= 10 { digits /= 10; count += 1 }
            digits = UInt32(bitPattern: rawValue)
            for place in stride(from: end + count - 1, through: end, by: -1) {
                bytes[place] = UInt8(ascii: "0") + UInt8(digits % 10)
                digits /= 10
            }
            return try body(bytes.baseAddress!.assumingMemoryBound(to: CChar.self))
        }
    }

    /// Runs `body` with the descriptor's number, for a system call wrapped
    /// outside this module. The number is valid only until `body` returns: it
    /// must not be kept, as with `withUnsafePointer`.
    public func withUnsafeNumber<T, E: Error>(_ body: (Int32) throws(E) -> T) throws(E) -> T {
        try body(rawValue)
    }

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
        return FileDescriptor(rawValue: fd, parent: self, name: name)
    }

    /// A child's descriptor names its parent's place and its own name: a walk
    /// down a path joins no path at each step.
    private init(rawValue: Int32, parent: borrowing FileDescriptor, name: String) {
        self.rawValue = rawValue
        self.opened = OpenedPath(name, in: parent.opened)
    }

    /// `openat(2)` of a child name; nil when there is none (ENOENT).
    public func openIfPresent(_ name: String, flags: Int32) throws(SystemError) -> FileDescriptor? {
        let fd = retryingOnInterrupt { openat(rawValue, name, flags | O_CLOEXEC, 0) }
        guard fd < 0 else { return FileDescriptor(rawValue: fd, parent: self, name: name) }
        let failure = errno
        // ENOENT, the common answer, builds no error: freeing a joined path
        // of 64 bytes or more made the runtime look up a type by its mangled
        // name the first time (~34,000 instructions, autodev at 0 devices).
        if failure == ENOENT { return nil }
        throw SystemError(call: "openat", path: child(name), errno: failure)
    }

    /// `fcntl(2)` with `F_DUPFD_CLOEXEC`: another descriptor for the same open file, named by the same path.
    public func duplicate() throws(SystemError) -> FileDescriptor {
        let fd = fcntl(rawValue, F_DUPFD_CLOEXEC, 0)
        guard fd >= 0 else { throw SystemError(call: "fcntl", path: path, errno: errno) }
        return FileDescriptor(rawValue: fd, path: path)
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

    /// `mknodat(2)` of a device node with `permissions` (the umask applies),
    /// then `fstatat(2)` of what was made: its status, or nil when it is not
    /// that device.
    public func makeNode(_ name: String, type: DeviceType, number: DeviceNumber, permissions: mode_t) throws(SystemError) -> stat? {
        if mknodat(rawValue, name, type.fileType | permissions, number.deviceID) != 0 {
            throw SystemError(call: "mknodat", path: child(name), errno: errno)
        }
        let made = try status(name)
        return made.isNode(of: type, number) ? made : nil
    }

    /// `fchmodat(2)` (follows a symlink; used on files this process just made).
    public func setMode(_ name: String, mode: mode_t) throws(SystemError) {
        if fchmodat(rawValue, name, mode, 0) != 0 {
            throw SystemError(call: "fchmodat", path: child(name), errno: errno)
        }
    }

    /// `fchmod(2)`.
    public func setMode(_ mode: mode_t) throws(SystemError) {
        if fchmod(rawValue, mode) != 0 { throw SystemError(call: "fchmod", path: path, errno: errno) }
    }

    /// `fchownat(2)` with `AT_SYMLINK_NOFOLLOW`.
    public func setOwner(_ name: String, uid: uid_t, gid: gid_t) throws(SystemError) {
        if fchownat(rawValue, name, uid, gid, AT_SYMLINK_NOFOLLOW) != 0 {
            throw SystemError(call: "fchownat", path: child(name), errno: errno)
        }
    }

    /// `fchown(2)`.
    public func setOwner(uid: uid_t, gid: gid_t) throws(SystemError) {
        if fchown(rawValue, uid, gid) != 0 { throw SystemError(call: "fchown", path: path, errno: errno) }
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

    /// `renameat(2)` of a child to another name in the same directory.
    public func rename(_ name: String, to newName: String) throws(SystemError) {
        if renameat(rawValue, name, rawValue, newName) != 0 {
            throw SystemError(call: "renameat", path: child(newName), errno: errno)
        }
    }

    /// `fsync(2)`.
    public func synchronize() throws(SystemError) {
        if fsync(rawValue) != 0 { throw SystemError(call: "fsync", path: path, errno: errno) }
    }

    /// `flock(2)` with `LOCK_EX | LOCK_NB`: whether the lock was free and is
    /// now held (it goes with the descriptor).
    public func tryLockExclusively() throws(SystemError) -> Bool {
        if retryingOnInterrupt({ flock(rawValue, LOCK_EX | LOCK_NB) }) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw SystemError(call: "flock", path: path, errno: errno)
    }

    /// `fchdir(2)`.
    public func changeWorkingDirectory() throws(SystemError) {
        if fchdir(rawValue) != 0 { throw SystemError(call: "fchdir", path: path, errno: errno) }
    }

    /// `write(2)` until all of `bytes` is written.
    public func writeAll(_ bytes: [UInt8]) throws(SystemError) {
        if let error = FileDescriptor.writeAll(bytes, to: rawValue) {
            throw SystemError(call: "write", path: path, errno: error)
        }
    }

    /// `write(2)` to `descriptor` until all of `bytes` is written; the errno of a failure.
    static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                retryingOnInterrupt { Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset) }
            }
            guard written > 0 else { return written < 0 ? errno : EIO }
            offset += written
        }
        return nil
    }

    /// `read(2)` to the end of the file; a file longer than `limit` bytes is an EFBIG error.
    public func readAll(limit: Int) throws(SystemError) -> [UInt8] {
        var bytes: [UInt8] = []
        // Not zeroed: read(2) fills what is used, and most files read are a
        // few hundred bytes (zeroing 64 KiB for each was most of reading one).
        var chunk = [UInt8](unsafeUninitializedCapacity: 65536) { _, initialized in initialized = 65536 }
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

    /// Each entry of this directory with its status (`fstatat`, no symlink
    /// followed), in name order: what a walk looks at. An entry removed
    /// between the listing and its `fstatat` (ENOENT) is left out.
    public func entryStatuses() throws(SystemError) -> [(name: String, status: stat)] {
        var entries: [(name: String, status: stat)] = []
        for name in try directoryEntries().sorted() {
            do {
                entries.append((name, try status(name)))
            } catch {
                if error.errno == ENOENT { continue }  // gone while walking
                throw error
            }
        }
        return entries
    }
}

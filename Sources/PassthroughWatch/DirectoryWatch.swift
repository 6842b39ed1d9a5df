import CWatchShims
import Glibc
import PassthroughModel
import PassthroughSystem

/// `inotify(7)` on directories: a link or node made in one (udev's
/// `/dev/serial/by-id` links come after the kernel's event; a node made with
/// mknod makes no uevent at all), a container's config replaced, a record
/// written or removed.
struct DirectoryWatch: ~Copyable {
    let descriptor: FileDescriptor
    /// What is watched: path to watch descriptor, and back.
    private(set) var watches: [String: Int32] = [:]
    private(set) var paths: [Int32: String] = [:]

    /// One change seen: the directory and the name in it (empty for the directory itself).
    struct Change {
        var directory: String?
        var name: String
        var mask: UInt32
    }

    /// `inotify_init1(IN_NONBLOCK | IN_CLOEXEC)`.
    init() throws(SystemError) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw SystemError(call: "inotify_init1", path: "inotify", errno: errno) }
        descriptor = FileDescriptor(rawValue: fd, path: "inotify")
    }

    /// Names made, removed or renamed in a directory.
    static let entryChanges = UInt32(IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM)

    /// Gives back the room directories no longer followed left in its maps.
    mutating func compact() {
        watches = watches.compacted()
        paths = paths.compacted()
    }

    /// `inotify_add_watch(2)` on a directory (not following a symlink);
    /// true when it was not watched before. A directory removed and made
    /// again at the same path (a container destroyed and created again under
    /// its name) is another directory, with another watch descriptor: it is
    /// new, even while the old one's `IN_IGNORED` is still queued.
    @discardableResult
    mutating func watch(_ path: String, mask: UInt32) throws(SystemError) -> Bool {
        let wd = descriptor.withUnsafeNumber { inotify_add_watch($0, path, mask | UInt32(IN_ONLYDIR | IN_DONT_FOLLOW)) }
        guard wd >= 0 else { throw SystemError(call: "inotify_add_watch", path: path, errno: errno) }
        let added = watches[path] != wd
        watches[path] = wd
        paths[wd] = path
        return added
    }

    /// `inotify_rm_watch(2)`.
    mutating func unwatch(_ path: String) {
        guard let wd = watches.removeValue(forKey: path) else { return }
        paths[wd] = nil
        _ = descriptor.withUnsafeNumber { inotify_rm_watch($0, wd) }
    }

    /// Reads every change queued, until none is left (`EAGAIN`). A queue
    /// that overflowed (`IN_Q_OVERFLOW`) comes as a change with no directory.
    mutating func drain() throws(SystemError) -> [Change] {
        var changes: [Change] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = descriptor.withUnsafeNumber { fd in
                buffer.withUnsafeMutableBytes { bytes in retryingOnInterrupt { read(fd, bytes.baseAddress, bytes.count) } }
            }
            if count < 0 {
                if errno == EAGAIN { return changes }
                throw SystemError(call: "read", path: "inotify", errno: errno)
            }
            if count == 0 { return changes }
            var offset = 0
            let header = MemoryLayout<inotify_event>.size
            while offset + header <= count {
                let (wd, mask, length) = buffer.withUnsafeBytes { bytes in
                    (bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self),
                     bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                     Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)))
                }
                let nameBytes = buffer[(offset + header)..<min(count, offset + header + length)]
                let name = String(decoding: nameBytes.prefix(while: { $0 != 0 }), as: UTF8.self)
                let directory = paths[wd]
                if mask & UInt32(IN_IGNORED) != 0, let path = paths.removeValue(forKey: wd), watches[path] == wd {
                    // The directory went away: its watch is gone with it (not a newer one at its path).
                    watches[path] = nil
                }
                changes.append(Change(directory: directory, name: name, mask: mask))
                offset += header + length
            }
        }
    }
}

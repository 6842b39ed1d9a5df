import Glibc
import PassthroughAdmin
import PassthroughModel
import PassthroughSystem

/// One watcher per container path: an exclusive `flock` of a file in the
/// host's records directory named by the path's device and inode (every
/// spelling of the path finds it), holding the watcher's pid.
///
/// The file is removed when the watcher ends, while it still holds the lock,
/// so that lock files of container paths long gone do not pile up. A watcher
/// that opened the file just before it was removed would then lock a file no
/// longer at that name, while the next one makes a new file: so a lock counts
/// only once the name is seen to still be the file locked.
struct WatcherLock: ~Copyable {
    let file: FileDescriptor
    let records: FileDescriptor
    let name: String

    /// Takes the lock, or says which process holds it.
    init(lxcPath: String, directory: String = GrantRecordStore.defaultDirectory) throws(AdminError) {
        let failed = { (error: SystemError) in AdminError("cannot take the watcher's lock for \(lxcPath): \(error)") }
        let info = try translatingErrors({ () throws(SystemError) in try FileSystem.status(lxcPath) }, failed)
        let name = "watch-\(info.st_dev)-\(info.st_ino).lock"
        let records = try translatingErrors({ () throws(SystemError) -> FileDescriptor in
            do throws(SystemError) {
                try FileSystem.makeDirectory(directory, mode: 0o700)
            } catch {
                if error.errno != EEXIST { throw error }
            }
            return try FileDescriptor.open(directory, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        }, failed)
        // A removal between open and lock is seen, and the name opened again: a few times at most.
        var attempt = 0
        while true {
            attempt += 1
            let file = try translatingErrors({ () throws(SystemError) -> FileDescriptor in
                try records.open(name, flags: O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o600)
            }, failed)
            guard try translatingErrors({ () throws(SystemError) in try file.tryLockExclusively() }, failed) else {
                let text = (try? file.readAll(limit: 64)).map { String(decoding: $0, as: UTF8.self) } ?? ""
                let pid = Int32(text.split(separator: "\n").first ?? "") ?? 0
                let who = pid > 0 ? "pid \(pid) (\(OctalEscape.escapeForTerminal(ProcessStatus.command(pid) ?? "?")))" : "another process"
                throw AdminError("another watcher follows the containers in \(lxcPath): \(who) holds \(directory)/\(name)")
            }
            guard try translatingErrors({ () throws(SystemError) in try WatcherLock.isStillNamed(file, name, in: records) }, failed) else {
                guard attempt < 8 else {
                    throw AdminError("cannot take the watcher's lock for \(lxcPath): \(directory)/\(name) keeps being replaced")
                }
                continue
            }
            try translatingErrors({ () throws(SystemError) in
                // ftruncate(2): an earlier watcher's pid must not stay behind a shorter one.
                guard file.withUnsafeNumber({ ftruncate($0, 0) }) == 0 else { throw SystemError(call: "ftruncate", path: file.path, errno: errno) }
                try file.writeAll(Array("\(getpid())\n".utf8))
            }, failed)
            WatcherLock.removeUnheld(in: records, besides: name)
            self.file = file
            self.records = records
            self.name = name
            return
        }
    }

    /// Removes the lock files no watcher holds (left by one that was killed,
    /// often of a container path long gone): each is locked before it is
    /// removed, so a held one stays, and a watcher that opened one just
    /// before finds it replaced and opens the name again.
    static func removeUnheld(in records: borrowing FileDescriptor, besides own: String) {
        guard let names = try? records.directoryEntries() else { return }
        for name in names where name != own && name.hasPrefix("watch-") && name.hasSuffix(".lock") {
            guard let other = try? records.open(name, flags: O_RDWR | O_NOFOLLOW | O_NONBLOCK),
                  (try? other.tryLockExclusively()) == true, (try? WatcherLock.isStillNamed(other, name, in: records)) == true
            else { continue }
            try? records.remove(name)
        }
    }

    /// Whether `name` in `records` is still the file `file` has open (not
    /// removed, nor replaced by a new one, since it was opened).
    static func isStillNamed(_ file: borrowing FileDescriptor, _ name: String, in records: borrowing FileDescriptor) throws(SystemError) -> Bool {
        let open = try file.status()
        guard let named = try? records.status(name) else { return false }
        return named.st_dev == open.st_dev && named.st_ino == open.st_ino
    }

    /// Removes the file, the lock still held (the descriptor closes after).
    deinit {
        try? records.remove(name)
    }
}

import Glibc
import PassthroughAdmin
import PassthroughModel
import PassthroughSystem

/// One watcher per container path: an exclusive `flock` of a file in the
/// host's records directory named by the path's device and inode (every
/// spelling of the path finds it), holding the watcher's pid.
struct WatcherLock: ~Copyable {
    let file: FileDescriptor

    /// Takes the lock, or says which process holds it.
    init(lxcPath: String, directory: String = GrantRecordStore.defaultDirectory) throws(AdminError) {
        let failed = { (error: SystemError) in AdminError("cannot take the watcher's lock for \(lxcPath): \(error)") }
        let info = try translatingErrors({ () throws(SystemError) in try FileSystem.status(lxcPath) }, failed)
        let name = "watch-\(info.st_dev)-\(info.st_ino).lock"
        let file = try translatingErrors({ () throws(SystemError) -> FileDescriptor in
            do throws(SystemError) {
                try FileSystem.makeDirectory(directory, mode: 0o700)
            } catch {
                if error.errno != EEXIST { throw error }
            }
            let records = try FileDescriptor.open(directory, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            return try records.open(name, flags: O_RDWR | O_CREAT | O_NOFOLLOW, mode: 0o600)
        }, failed)
        guard try translatingErrors({ () throws(SystemError) in try file.tryLockExclusively() }, failed) else {
            let text = (try? file.readAll(limit: 64)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            let pid = Int32(text.split(separator: "\n").first ?? "") ?? 0
            let who = pid > 0 ? "pid \(pid) (\(OctalEscape.escapeForTerminal(ProcessStatus.command(pid) ?? "?")))" : "another process"
            throw AdminError("another watcher follows the containers in \(lxcPath): \(who) holds \(directory)/\(name)")
        }
        try translatingErrors({ () throws(SystemError) in
            // ftruncate(2): an earlier watcher's pid must not stay behind a shorter one.
            guard file.withUnsafeNumber({ ftruncate($0, 0) }) == 0 else { throw SystemError(call: "ftruncate", path: file.path, errno: errno) }
            try file.writeAll(Array("\(getpid())\n".utf8))
        }, failed)
        self.file = file
    }
}

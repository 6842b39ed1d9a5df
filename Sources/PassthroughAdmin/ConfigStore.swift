import Glibc
import PassthroughModel
import PassthroughSystem

/// Reads and rewrites a container's config safely: under an exclusive
/// `flock` of the container's directory (so concurrent commands serialize),
/// and replaced atomically (temporary file, fsync, rename, fsync of the
/// directory), keeping the file's mode and owner.
public enum ConfigStore {
    /// Runs `body` on the config under the lock; writes the result back if it
    /// changed. When writing fails, `undo` runs (with the lock still held)
    /// before the error is thrown: for changes made to a running container.
    public static func update<T>(
        _ container: ManagedContainer, _ body: (inout ConfigDocument) throws(AdminError) -> T,
        undoingOnWriteFailure undo: (T) -> Void = { _ in }
    ) throws(AdminError) -> T {
        try locked(container) { directory throws(AdminError) in
            let (original, info) = try read(container)
            var document = original
            let result = try body(&document)
            if document != original {
                do throws(AdminError) {
                    try replace(container, in: directory, with: document.text, like: info)
                } catch {
                    undo(result)
                    throw error
                }
            }
            return result
        }
    }

    /// Runs `body` on the config under the lock and writes nothing: what
    /// `update` would write, for `--dry-run`.
    public static func preview<T>(
        _ container: ManagedContainer, _ body: (inout ConfigDocument) throws(AdminError) -> T
    ) throws(AdminError) -> (T, ConfigDocument) {
        try locked(container) { _ throws(AdminError) in
            var document = try read(container).0
            let result = try body(&document)
            return (result, document)
        }
    }

    /// Runs `body` on the config, read under the lock, which is held until
    /// it returns; writes nothing.
    public static func underLock<T>(_ container: ManagedContainer, _ body: (ConfigDocument) throws(AdminError) -> T) throws(AdminError) -> T {
        try locked(container) { _ throws(AdminError) in try body(try read(container).0) }
    }

    /// The config, read under the lock.
    public static func read(_ container: ManagedContainer) throws(AdminError) -> ConfigDocument {
        try locked(container) { _ throws(AdminError) in try read(container).0 }
    }

    static func locked<T>(_ container: ManagedContainer, _ body: (borrowing FileDescriptor) throws(AdminError) -> T) throws(AdminError) -> T {
        let directory = try translatingErrors({ () throws(SystemError) in
            try FileDescriptor.open(container.directory, flags: O_RDONLY | O_DIRECTORY)
        }, { error in
            error.errno == ENOENT
                ? AdminError("no container '\(container.name)' in \(container.lxcPath) (\(error))")
                : AdminError("cannot open the container directory: \(error)")
        })
        try waitForLock(directory, container)
        // The lock goes with the descriptor, when `directory` is closed.
        return try body(directory)
    }

    /// How long a command waits for another to finish with the container.
    static let lockWait: UInt64 = 10_000_000_000

    /// Waits a bounded time for the lock, then names who holds it.
    static func waitForLock(_ directory: borrowing FileDescriptor, _ container: ManagedContainer) throws(AdminError) {
        let deadline = ProcessStatus.bootTime() + lockWait
        let failed = { (error: SystemError) in AdminError("cannot lock the container directory: \(error)") }
        while try !translatingErrors({ () throws(SystemError) in try directory.tryLockExclusively() }, failed) {
            if ProcessStatus.bootTime() >= deadline {
                let info = try translatingErrors({ () throws(SystemError) in try directory.status() }, failed)
                throw AdminError("cannot lock the container directory \(container.directory): \(lockHolders(of: info)) has held it for more than "
                    + "\(lockWait / 1_000_000_000) s; try again when it is done")
            }
            usleep(50_000)
        }
    }

    /// Who holds a lock on the file, from /proc/locks: `pid 1234 (lxc-passthrough)`.
    static func lockHolders(of file: stat) -> String {
        let locks = (try? FileSystem.readFile("/proc/locks", limit: 4 << 20)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let holders = FileLocks.holders(in: locks, device: DeviceNumber(file.st_dev), inode: UInt64(file.st_ino)).map { pid in
            "pid \(pid) (\(OctalEscape.escapeForTerminal(ProcessStatus.command(pid) ?? "?")))"
        }
        return holders.isEmpty ? "another process" : holders.joined(separator: ", ")
    }

    static func read(_ container: ManagedContainer) throws(AdminError) -> (ConfigDocument, stat) {
        let (bytes, info) = try translatingErrors({ () throws(SystemError) in
            let file = try FileDescriptor.open(container.configPath, flags: O_RDONLY | O_NOFOLLOW)
            let info = try file.status()
            guard info.st_mode & S_IFMT == S_IFREG else { return ([UInt8](), info) }
            return (try file.readAll(limit: ConfigFiles.maximumFileSize), info)
        }, { AdminError("cannot read the container config: \($0)") })
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw AdminError("\(container.configPath) is \(fileTypeName(mode: info.st_mode)), not a config file")
        }
        do {
            return (ConfigDocument(try ConfigFiles.decode(bytes, path: container.configPath)), info)
        } catch {
            throw AdminError(.invalid(error))
        }
    }

    static func replace(_ container: ManagedContainer, in directory: borrowing FileDescriptor, with text: String, like info: stat) throws(AdminError) {
        let temporary = ".config.lxc-passthrough.\(getpid())"
        do throws(SystemError) {
            try? directory.remove(temporary)
            let file = try directory.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
            do throws(SystemError) {
                try file.writeAll(Array(text.utf8))
                try file.setOwner(uid: info.st_uid, gid: info.st_gid)
                try file.setMode(info.st_mode & 0o7777)
                try file.synchronize()
                try directory.rename(temporary, to: "config")
            } catch {
                try? directory.remove(temporary)
                throw error
            }
            try directory.synchronize()
        } catch {
            throw AdminError("cannot write the container config: \(error)")
        }
    }
}

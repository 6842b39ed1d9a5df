#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads and rewrites a container's config safely: under an exclusive
/// `flock` of the container's directory (so concurrent commands serialize),
/// and replaced atomically (temporary file, fsync, rename, fsync of the
/// directory), keeping the file's mode and owner.
public enum ConfigStore {
    /// Runs `body` on the config under the lock; writes the result back if it changed.
    public static func update<T>(_ container: ManagedContainer, _ body: (inout ConfigDocument) throws -> T) throws -> T {
        try locked(container) { directory in
            let (original, info) = try read(container)
            var document = original
            let result = try body(&document)
            if document != original {
                try replace(container, in: directory, with: document.text, like: info)
            }
            return result
        }
    }

    /// The config, read under the lock.
    public static func read(_ container: ManagedContainer) throws -> ConfigDocument {
        try locked(container) { _ in try read(container).0 }
    }

    static func locked<T>(_ container: ManagedContainer, _ body: (FileDescriptor) throws -> T) throws -> T {
        let directory: FileDescriptor
        do {
            directory = try FileDescriptor.open(container.directory, flags: O_RDONLY | O_DIRECTORY)
        } catch {
            if error.errno == ENOENT { throw AdminError("no container '\(container.name)' in \(container.lxcPath) (\(error))") }
            throw AdminError("cannot open the container directory: \(error)")
        }
        if retryingOnInterrupt({ flock(directory.rawValue, LOCK_EX) }) != 0 {
            throw AdminError("cannot lock the container directory: \(SystemError(call: "flock", path: container.directory, errno: errno))")
        }
        defer { _ = flock(directory.rawValue, LOCK_UN) }
        return try body(directory)
    }

    static func read(_ container: ManagedContainer) throws -> (ConfigDocument, stat) {
        do {
            let file = try FileDescriptor.open(container.configPath, flags: O_RDONLY | O_NOFOLLOW)
            let info = try file.status()
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw AdminError("\(container.configPath) is \(fileTypeName(mode: info.st_mode)), not a config file")
            }
            let bytes = try file.readAll(limit: ConfigLoader.maximumFileSize)
            let text = try ConfigLoader.decode(bytes, path: container.configPath)
            return (ConfigDocument(text), info)
        } catch let error as SystemError {
            throw AdminError("cannot read the container config: \(error)")
        }
    }

    static func replace(_ container: ManagedContainer, in directory: FileDescriptor, with text: String, like info: stat) throws {
        let temporary = ".config.lxc-passthrough.\(getpid())"
        do {
            try? directory.remove(temporary)
            let file = try directory.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
            do {
                try file.writeAll(Array(text.utf8))
                if fchown(file.rawValue, info.st_uid, info.st_gid) != 0 {
                    throw SystemError(call: "fchown", path: file.path, errno: errno)
                }
                if fchmod(file.rawValue, info.st_mode & 0o7777) != 0 {
                    throw SystemError(call: "fchmod", path: file.path, errno: errno)
                }
                if fsync(file.rawValue) != 0 { throw SystemError(call: "fsync", path: file.path, errno: errno) }
                if renameat(directory.rawValue, temporary, directory.rawValue, "config") != 0 {
                    throw SystemError(call: "renameat", path: container.configPath, errno: errno)
                }
            } catch {
                try? directory.remove(temporary)
                throw error
            }
            if fsync(directory.rawValue) != 0 { throw SystemError(call: "fsync", path: directory.path, errno: errno) }
        } catch let error as SystemError {
            throw AdminError("cannot write the container config: \(error)")
        }
    }
}

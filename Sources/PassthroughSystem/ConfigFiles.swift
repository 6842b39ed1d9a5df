import Glibc
import PassthroughModel

/// Configuration files as the hooks and the command read them: regular
/// files of bounded size, valid UTF-8 without NUL bytes, and directories
/// (which `lxc.include` reads as the `*.conf` files in them).
public enum ConfigFiles {
    /// Larger config files are refused rather than read into memory.
    public static let maximumFileSize = 16 << 20

    /// The content of `path`, for `ConfigReader`: `.missing` when there is
    /// no such file (ENOENT), the failed call otherwise.
    public static func content(of path: String) throws(ConfigFailure) -> FileContent {
        let found: Found
        do {
            found = try read(path)
        } catch {
            throw failure(error, path: path)
        }
        return try content(found, path: path)
    }

    /// The content of `path`, or `.absent` when it is not there (ENOENT, or
    /// ENOTDIR: a directory on the way is not one). For a file that is often
    /// missing (Proxmox's config of the container, on a host that is not a
    /// Proxmox node): no message is made for its absence, where making and
    /// freeing one was about 60,000 instructions of pre-start.
    public static func contentIfPresent(of path: String) throws(ConfigFailure) -> FileLookup {
        let found: Found
        do {
            found = try read(path)
        } catch {
            if error.errno == ENOENT || error.errno == ENOTDIR { return .absent }
            throw failure(error, path: path)
        }
        return .found(try content(found, path: path))
    }

    private static func content(_ found: Found, path: String) throws(ConfigFailure) -> FileContent {
        switch found {
        case .directory(let names):
            return .directory(names)
        case .other(let mode):
            throw .invalid(ConfigError(origin: path, message: "included file is \(fileTypeName(mode: mode)), not a regular file"))
        case .regular(let bytes):
            do {
                return .text(try decode(bytes, path: path))
            } catch {
                throw .invalid(error)
            }
        }
    }

    private enum Found {
        case directory([String])
        case regular([UInt8])
        case other(mode_t)
    }

    private static func read(_ path: String) throws(SystemError) -> Found {
        let file = try FileDescriptor.open(path, flags: O_RDONLY)
        let info = try file.status()
        switch info.st_mode & S_IFMT {
        case S_IFDIR: return .directory(try file.directoryEntries())
        case S_IFREG: return .regular(try file.readAll(limit: maximumFileSize))
        default: return .other(info.st_mode)
        }
    }

    /// A failed call as a `ConfigFailure`: `.missing` for ENOENT on `path` itself.
    public static func failure(_ error: SystemError, path: String) -> ConfigFailure {
        if error.errno == ENOENT && error.path == path { return .missing(path: path, message: error.description) }
        return .unreadable(message: error.description, errno: error.errno)
    }

    /// The text of a config file: no NUL byte, valid UTF-8.
    public static func decode(_ bytes: [UInt8], path: String) throws(ConfigError) -> String {
        if bytes.contains(0) { throw ConfigError(origin: path, message: "contains a NUL byte") }
        guard let text = String(validUTF8: bytes) else {
            throw ConfigError(origin: path, message: "is not valid UTF-8")
        }
        return text
    }
}

/// A config file looked for (`ConfigFiles.contentIfPresent`): its content,
/// or nothing there. An enum of its own, not a `FileContent?`, whose
/// destruction could need `Optional`'s metadata made at run time.
public enum FileLookup: Equatable, Sendable {
    case found(FileContent)
    case absent
}

/// Config files read once per run: the device entries, the id map and the
/// device rules all come from the same files.
public final class FileCache {
    private var contents: [String: FileContent] = [:]

    public init() {}

    public func content(of path: String) throws(ConfigFailure) -> FileContent {
        if let known = contents[path] { return known }
        let content = try ConfigFiles.content(of: path)
        contents[path] = content
        return content
    }

    /// `ConfigFiles.contentIfPresent`, its content kept when found.
    public func contentIfPresent(of path: String) throws(ConfigFailure) -> FileLookup {
        if let known = contents[path] { return .found(known) }
        let lookup = try ConfigFiles.contentIfPresent(of: path)
        if case .found(let content) = lookup { contents[path] = content }
        return lookup
    }
}

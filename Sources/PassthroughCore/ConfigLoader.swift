#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Reads a container's configuration from disk for the hooks.
public enum ConfigLoader {
    /// Larger config files are refused rather than read into memory.
    public static let maximumFileSize = 16 << 20
    public static let proxmoxConfigDirectory = "/etc/pve/lxc"

    /// Device entries (from `/etc/pve/lxc/NAME.conf` on a Proxmox VE host,
    /// else the container's LXC config) and the id map (from the LXC config
    /// and what it includes).
    public static func load(
        _ context: HookContext, proxmoxDirectory: String = proxmoxConfigDirectory, files: FileCache = FileCache()
    ) throws(HookFailure) -> ContainerConfig {
        let proxmoxFile = proxmoxDirectory + "/" + context.containerName + ".conf"
        // Not a Proxmox host only when the file is not there: any other error
        // (a stuck pmxcfs: EIO, ENOTCONN) must not start the container without its devices.
        let deviceFile: String
        do {
            _ = try files.content(of: proxmoxFile)
            deviceFile = proxmoxFile
        } catch {
            switch (error as? SystemError)?.errno {
            case ENOENT?, ENOTDIR?: deviceFile = context.configFile
            default: throw HookFailure("cannot read the container configuration: \(error)")
            }
        }
        do {
            guard case .text(let text) = try files.content(of: deviceFile) else {
                throw SystemError(call: "read", path: deviceFile, errno: EISDIR)
            }
            let devices = try ConfigReader.deviceEntries(text: text, path: deviceFile)
            // Only read the id map (and the includes) when there is something to map.
            let idMap = devices.isEmpty ? IDMap() : try ConfigReader(readFile: files.content(of:)).idMap(configPath: context.configFile)
            return ContainerConfig(devices: devices, idMap: idMap)
        } catch let error as SystemError {
            throw HookFailure("cannot read the container configuration: \(error)")
        } catch let error as ConfigError {
            throw HookFailure("invalid container configuration: \(error)")
        } catch {
            throw HookFailure("cannot read the container configuration: \(error)")
        }
    }

    public static func content(of path: String) throws -> ConfigReader.FileContent {
        let file = try FileDescriptor.open(path, flags: O_RDONLY)
        let info = try file.status()
        if info.st_mode & S_IFMT == S_IFDIR { return .directory(try file.directoryEntries()) }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw ConfigError(origin: path, message: "included file is \(fileTypeName(mode: info.st_mode)), not a regular file")
        }
        return .text(try decode(file.readAll(limit: maximumFileSize), path: path))
    }

    static func decode(_ bytes: [UInt8], path: String) throws(ConfigError) -> String {
        if bytes.contains(0) { throw ConfigError(origin: path, message: "contains a NUL byte") }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(origin: path, message: "is not valid UTF-8")
        }
        return text
    }
}

/// Config files read once per hook run: the device entries, the id map and
/// the device rules all come from the same files.
public final class FileCache {
    private var contents: [String: ConfigReader.FileContent] = [:]

    public init() {}

    public func content(of path: String) throws -> ConfigReader.FileContent {
        if let known = contents[path] { return known }
        let content = try ConfigLoader.content(of: path)
        contents[path] = content
        return content
    }

}

import Glibc
import PassthroughModel
import PassthroughSystem

/// Reads a container's configuration from disk for the hooks.
public enum ConfigLoader {
    public static let proxmoxConfigDirectory = "/etc/pve/lxc"

    /// Device entries (from `/etc/pve/lxc/NAME.conf` on a Proxmox VE host,
    /// else the container's LXC config) and the id map; with them, what else
    /// pre-start reads of the LXC config and what it includes (`start`: the
    /// device rules, read in the id map's pass). A device rule that cannot be
    /// parsed is not refused here: see `ConfigReader.startConfig`.
    public static func load(
        _ context: HookContext, proxmoxDirectory: String = proxmoxConfigDirectory, files: FileCache = FileCache()
    ) throws(HookFailure) -> (config: ContainerConfig, start: ConfigReader.StartConfig) {
        do throws(ConfigFailure) {
            let deviceFile = try devicesFile(context, proxmoxDirectory: proxmoxDirectory, files: files)
            guard case .text(let text) = try files.content(of: deviceFile) else {
                let error = SystemError(call: "read", path: deviceFile, errno: EISDIR)
                throw ConfigFailure.unreadable(message: error.description, errno: error.errno)
            }
            let devices: [ContainerConfig.Entry]
            do {
                devices = try ConfigReader.deviceEntries(text: text, path: deviceFile)
            } catch {
                throw ConfigFailure.invalid(error)
            }
            // Only read the id map (and the includes) when there is something to map.
            let start = devices.isEmpty ? ConfigReader.StartConfig() : try ConfigReader(readFile: files.content(of:)).startConfig(configPath: context.configFile)
            return (ContainerConfig(devices: devices, idMap: start.idMap), start)
        } catch {
            throw HookFailure(explaining: error)
        }
    }

    /// The file that holds the `devN` lines: Proxmox's when the host is a
    /// Proxmox VE node. Only a file that is not there (ENOENT, ENOTDIR) means
    /// it is not: any other error (a stuck pmxcfs: EIO, ENOTCONN) must not
    /// start the container without its devices.
    static func devicesFile(_ context: HookContext, proxmoxDirectory: String, files: FileCache) throws(ConfigFailure) -> String {
        let proxmoxFile = proxmoxDirectory + "/" + context.containerName + ".conf"
        switch try files.contentIfPresent(of: proxmoxFile) {
        case .found: return proxmoxFile
        case .absent: return context.configFile
        }
    }
}

extension HookFailure {
    /// A configuration that cannot be read or is not valid, in the words the hooks use.
    init(explaining failure: ConfigFailure) {
        switch failure {
        case .missing, .unreadable: self.init("cannot read the container configuration: \(failure)")
        case .invalid(let error): self.init(error.asInvalidConfiguration)
        }
    }
}

import Glibc
import PassthroughModel
import PassthroughSystem

/// The config side of device passthrough: what `list`, `check`, `sync`,
/// `add`, `remove`, `attach` and `detach` compute from a container's config.
/// Host lookups and included files come in through `lookUp` and `readFile`,
/// so the logic is tested without devices.
public struct Administration {
    public var container: ManagedContainer
    /// The hierarchy of LXC's device rules here: the one given, or this
    /// process's mount table's, read when first asked (a live change asks the
    /// host's record of the container instead, and never reads it).
    public var hierarchy: DeviceRule.Hierarchy {
        get { onDemand.value }
        set { onDemand = HierarchyOnDemand(newValue) }
    }
    private var onDemand: HierarchyOnDemand
    public var lookUp: (String) -> HostLookup
    /// Finds the USB devices a USB entry selects (a stand-in sysfs in tests); a path entry goes through `lookUp`.
    public var resolver: DeviceResolver
    /// Reads files the config includes (and the config itself when it is not `document`).
    public var readFile: (String) throws(ConfigFailure) -> FileContent

    public static let defaultInclude = "/usr/share/lxc/config/passthrough.conf"

    public init(
        container: ManagedContainer, hierarchy: DeviceRule.Hierarchy? = nil,
        lookUp: @escaping (String) -> HostLookup = HostLookup.live,
        readFile: @escaping (String) throws(ConfigFailure) -> FileContent = ConfigFiles.content(of:),
        resolver: DeviceResolver = DeviceResolver()
    ) {
        self.container = container
        self.onDemand = HierarchyOnDemand(hierarchy)
        self.lookUp = lookUp
        self.resolver = resolver
        self.readFile = readFile
    }

    /// A reader that sees `document` as the container's config.
    func reader(for document: ConfigDocument) -> ConfigReader {
        let configPath = container.configPath, text = document.text, readFile = self.readFile
        return ConfigReader { path throws(ConfigFailure) in path == configPath ? .text(text) : try readFile(path) }
    }

    func idMap(_ document: ConfigDocument) throws(AdminError) -> IDMap {
        do {
            return try reader(for: document).idMap(configPath: container.configPath)
        } catch {
            throw AdminError(error)
        }
    }

    /// The device rules of the config as `document` has it, managed block included or not.
    func deviceRules(_ document: ConfigDocument, includingManagedBlock: Bool) throws(AdminError) -> [DeviceRule] {
        do {
            return try reader(for: document).deviceRules(configPath: container.configPath, includingManagedBlock: includingManagedBlock)
        } catch {
            throw AdminError(error)
        }
    }

    /// Whether this host is a Proxmox VE node: it has `/etc/pve/lxc`, where
    /// the hooks read `devN` entries from (as pre-start does).
    public static func isProxmoxHost(_ directory: String = "/etc/pve/lxc") -> Bool {
        guard let info = try? FileSystem.status(directory) else { return false }
        return info.st_mode & S_IFMT == S_IFDIR
    }

    /// The device on the host at `path`, or the reason there is none, as pre-start says it.
    /// The nodes `spec` gives now, as pre-start finds them (`DeviceResolver`):
    /// a path through `lookUp`, a USB selector through `resolver`.
    func resolve(_ spec: DeviceSpec) throws(DeviceResolver.Failure) -> Resolution {
        guard let path = spec.path else { return try resolver.resolve(spec) }
        switch lookUp(path) {
        case .device(let host):
            return .nodes([ResolvedNode(hostPath: path, containerPath: spec.containerPath ?? path, type: host.type, number: host.number)])
        case .missing(let why): return .missing(why)
        case .notADevice(let why): return .notADevice(why)
        }
    }

    func hostDevice(_ path: String) throws(AdminError) -> HostDevice {
        switch lookUp(path) {
        case .device(let device): return device
        case .missing(let why), .notADevice(let why): throw AdminError("\(path): \(why)")
        }
    }
}

/// A hierarchy detected once, when first needed.
private final class HierarchyOnDemand {
    private var known: DeviceRule.Hierarchy?

    init(_ known: DeviceRule.Hierarchy?) { self.known = known }

    var value: DeviceRule.Hierarchy {
        if let known { return known }
        let detected = DeviceRule.Hierarchy.detect()
        known = detected
        return detected
    }
}

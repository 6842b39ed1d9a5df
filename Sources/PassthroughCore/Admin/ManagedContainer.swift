#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A container as `lxc-passthrough` finds it: `LXCPATH/NAME/config`.
public struct ManagedContainer: Sendable {
    public let name: String
    public let lxcPath: String

    public init(name: String, lxcPath: String) {
        self.name = name
        self.lxcPath = lxcPath
    }

    public var directory: String { lxcPath + "/" + name }
    public var configPath: String { directory + "/config" }

    /// LXC's configured lxcpath (`lxc.lxcpath` in /etc/lxc/lxc.conf), else /var/lib/lxc.
    public static func defaultLXCPath(globalConfig: String = "/etc/lxc/lxc.conf") -> String {
        if let bytes = try? FileSystem.readFile(globalConfig, limit: 1 << 20) {
            for line in ConfigReader.lines(String(decoding: bytes, as: UTF8.self)) {
                if let (key, value) = ConfigReader.lxcAssignment(line), key == "lxc.lxcpath", !value.isEmpty {
                    return value
                }
            }
        }
        return "/var/lib/lxc"
    }

    /// Why `name` cannot be a container name, or nil.
    public static func problem(name: String) -> String? {
        if name.isEmpty || name == "." || name == ".." || name.contains("/") || name.utf8.contains(0) {
            return "'\(name)' is not a container name"
        }
        return nil
    }
}

/// The hierarchy LXC uses for device rules on this host: v1 when a cgroup v1
/// hierarchy has the devices controller mounted (hybrid hosts), else v2.
public enum ActiveHierarchy {
    public static func detect(mountinfo: String = "/proc/self/mountinfo") -> DeviceRule.Hierarchy {
        guard let bytes = try? FileSystem.readFile(mountinfo, limit: 4 << 20) else { return .v2 }
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") {
            // ... - FSTYPE SOURCE SUPER_OPTIONS
            let fields = line.split(separator: " ")
            guard let dash = fields.firstIndex(of: "-"), fields.count > dash + 3 else { continue }
            if fields[dash + 1] == "cgroup", fields[dash + 3].split(separator: ",").contains("devices") { return .v1 }
        }
        return .v2
    }
}

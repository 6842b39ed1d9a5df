import PassthroughLXC
import PassthroughModel
import PassthroughSystem

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

    /// The names of every container under `lxcPath`, defined or running, as
    /// liblxc lists them (`list_all_containers`), sorted.
    public static func allNames(in lxcPath: String) throws(AdminError) -> [String] {
        do throws(LXCError) {
            return try LXCContainer.allNames(in: lxcPath).sorted()
        } catch {
            throw AdminError("cannot list the containers in \(lxcPath): \(error)")
        }
    }

    /// Why `name` cannot be a container name, or nil.
    public static func problem(name: String) -> String? {
        if name.isEmpty || name == "." || name == ".." || name.contains("/") || name.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) {
            return "'\(OctalEscape.escapeForTerminal(name))' is not a container name"
        }
        return nil
    }
}

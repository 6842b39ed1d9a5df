import Glibc
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

    /// The names of the containers defined under `lxcPath`: its directories
    /// that hold a `config` file, whose names are container names (checked
    /// as `problem(name:)` checks a name given on the command line), sorted.
    /// Not liblxc's `list_all_containers`, which adds the names of the
    /// command sockets it finds, and any local user can make one of those.
    public static func allNames(in lxcPath: String) throws(AdminError) -> [String] {
        do throws(SystemError) {
            let directory = try FileDescriptor.open(lxcPath, flags: O_RDONLY | O_DIRECTORY)
            return try directory.directoryEntries().filter { name in
                guard problem(name: name) == nil, let info = try? directory.status(name + "/config") else { return false }
                return info.st_mode & S_IFMT == S_IFREG
            }.sorted()
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

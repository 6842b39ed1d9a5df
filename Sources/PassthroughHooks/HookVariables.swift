import Glibc

/// The variables LXC sets that the hooks read; an unset one is empty (the
/// hooks treat an empty one as unset). Not optionals: copying a `String?`
/// makes the runtime instantiate `Optional<String>`'s metadata, a fixed
/// cost of about 30,000 instructions, however few strings are copied.
public struct HookVariables: Equatable, Sendable {
    public var name: String
    public var configFile: String
    public var rootfsMount: String
    public var hookVersion: String
    public var hookType: String

    public init(name: String = "", configFile: String = "", rootfsMount: String = "", hookVersion: String = "", hookType: String = "") {
        self.name = name
        self.configFile = configFile
        self.rootfsMount = rootfsMount
        self.hookVersion = hookVersion
        self.hookType = hookType
    }

    /// From this process's environment, looked up one by one with getenv.
    public static func current() -> HookVariables {
        func variable(_ name: String) -> String {
            guard let value = getenv(name) else { return "" }
            return String(cString: value)
        }
        return HookVariables(
            name: variable("LXC_NAME"), configFile: variable("LXC_CONFIG_FILE"), rootfsMount: variable("LXC_ROOTFS_MOUNT"),
            hookVersion: variable("LXC_HOOK_VERSION"), hookType: variable("LXC_HOOK_TYPE"))
    }

    /// From an environment given as a dictionary (tests).
    public init(_ environment: [String: String]) {
        self.init(
            name: environment["LXC_NAME"] ?? "", configFile: environment["LXC_CONFIG_FILE"] ?? "",
            rootfsMount: environment["LXC_ROOTFS_MOUNT"] ?? "", hookVersion: environment["LXC_HOOK_VERSION"] ?? "",
            hookType: environment["LXC_HOOK_TYPE"] ?? "")
    }
}

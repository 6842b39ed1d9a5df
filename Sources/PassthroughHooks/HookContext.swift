import Glibc

/// How LXC called a hook: the container, its config file and rootfs mount,
/// from the environment LXC sets for both hook versions, checked against the
/// arguments of version 0 (`... NAME lxc TYPE`).
public struct HookContext: Equatable, Sendable {
    public var containerName: String
    public var configFile: String
    public var rootfsMount: String?

    public enum Failure: Error, Equatable, CustomStringConvertible, Sendable {
        case missingVariable(String)
        case wrongHookType(expected: String, found: String)

        public var description: String {
            switch self {
            case .missingVariable(let name):
                return "\(name) is not set: this program is an LXC hook and is run by lxc-start"
            case .wrongHookType(let expected, let found):
                return "called as a '\(found)' hook, but it is the '\(expected)' hook: check the lxc.hook lines"
            }
        }
    }

    /// - Parameters:
    ///   - type: the LXC hook type this program implements (`pre-start`, `autodev`, `post-stop`).
    ///   - needsRootfs: whether `LXC_ROOTFS_MOUNT` is required.
    public init(
        type: String, arguments: [String], environment: [String: String], needsRootfs: Bool = false
    ) throws(Failure) {
        guard let name = environment["LXC_NAME"], !name.isEmpty else { throw .missingVariable("LXC_NAME") }
        guard let config = environment["LXC_CONFIG_FILE"], !config.isEmpty else { throw .missingVariable("LXC_CONFIG_FILE") }
        let rootfs = environment["LXC_ROOTFS_MOUNT"]
        if needsRootfs && (rootfs ?? "").isEmpty { throw .missingVariable("LXC_ROOTFS_MOUNT") }
        if let calledAs = HookContext.calledType(arguments: arguments, environment: environment), calledAs != type {
            throw .wrongHookType(expected: type, found: calledAs)
        }
        containerName = name
        configFile = config
        rootfsMount = rootfs
    }

    /// The hook type LXC ran the program as: `LXC_HOOK_TYPE` for hook
    /// version 1, the last of the arguments `NAME lxc TYPE` for version 0.
    public static func calledType(arguments: [String], environment: [String: String]) -> String? {
        if environment["LXC_HOOK_VERSION"] != "1", arguments.count >= 3, arguments[arguments.count - 2] == "lxc" {
            return arguments.last
        }
        return environment["LXC_HOOK_TYPE"]
    }

    /// The container's directory (`/var/lib/lxc/NAME`): where its config file is.
    public var containerDirectory: String {
        guard let slash = configFile.lastIndex(of: "/") else { return "." }
        let directory = configFile[..<slash]
        return directory.isEmpty ? "/" : String(directory)
    }

    /// Name of the tmpfs mount point in the container's directory.
    public static let passthroughDirectoryName = "lxc-passthrough"

    public var passthroughDirectory: String { containerDirectory + "/" + HookContext.passthroughDirectoryName }
}

extension HookContext {
    /// The variables LXC sets that the hooks read.
    public static let variables = ["LXC_NAME", "LXC_CONFIG_FILE", "LXC_ROOTFS_MOUNT", "LXC_HOOK_VERSION", "LXC_HOOK_TYPE"]
}

/// Those of `names` that are set in this process's environment. Looked up
/// one by one with getenv: decoding the whole environment into Swift strings
/// was a fifth of a hook's start-up.
public func processEnvironment(_ names: [String] = HookContext.variables) -> [String: String] {
    var result: [String: String] = [:]
    for name in names {
        if let value = getenv(name) { result[name] = String(cString: value) }
    }
    return result
}

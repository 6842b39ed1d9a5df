/// How LXC called a hook: the container, its config file and rootfs mount,
/// from the environment LXC sets for both hook versions, checked against the
/// arguments of version 0 (`... NAME lxc TYPE`).
public struct HookContext: Equatable, Sendable {
    public var containerName: String
    public var configFile: String
    /// Empty when LXC did not set it. Not an optional: see `HookVariables`.
    public var rootfsMount: String

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
    public init(type: String, invocation: HookInvocation, needsRootfs: Bool = false) throws(Failure) {
        let variables = invocation.variables
        guard !variables.name.isEmpty else { throw .missingVariable("LXC_NAME") }
        guard !variables.configFile.isEmpty else { throw .missingVariable("LXC_CONFIG_FILE") }
        if needsRootfs && variables.rootfsMount.isEmpty { throw .missingVariable("LXC_ROOTFS_MOUNT") }
        let calledAs = invocation.calledType
        if !calledAs.isEmpty && calledAs != type {
            throw .wrongHookType(expected: type, found: calledAs)
        }
        containerName = variables.name
        configFile = variables.configFile
        rootfsMount = variables.rootfsMount
    }

    /// From the arguments after the program's name and the environment as a dictionary (tests).
    public init(type: String, arguments: [String], environment: [String: String], needsRootfs: Bool = false) throws(Failure) {
        let versionZeroType = arguments.count >= 3 && arguments[arguments.count - 2] == "lxc" ? arguments[arguments.count - 1] : ""
        try self.init(
            type: type, invocation: HookInvocation(request: .run, versionZeroType: versionZeroType, variables: HookVariables(environment)),
            needsRootfs: needsRootfs)
    }

    /// The container's directory (`/var/lib/lxc/NAME`): where its config file is.
    /// The last `/` is looked for among bytes, as in a path: among
    /// `Character`s it was about 10,000 instructions for pre-start's first.
    public var containerDirectory: String {
        let bytes = configFile.utf8
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        let directory = bytes[..<slash]
        return directory.isEmpty ? "/" : String(Substring(directory))
    }

    /// Name of the tmpfs mount point in the container's directory.
    public static let passthroughDirectoryName = "lxc-passthrough"

    public var passthroughDirectory: String { containerDirectory + "/" + HookContext.passthroughDirectoryName }
}

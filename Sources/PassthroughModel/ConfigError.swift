/// A problem in a configuration file, with the file and line it is on.
public struct ConfigError: Error, Equatable, CustomStringConvertible, Sendable {
    public var origin: String
    public var message: String

    public init(origin: String, message: String) {
        self.origin = origin
        self.message = message
    }

    public var description: String { "\(origin): \(message)" }

    /// What the hooks and the command print for it.
    public var asInvalidConfiguration: String { "invalid container configuration: \(self)" }

    /// The subject `check` names when a problem is with the configuration as a whole.
    public static let invalidConfigurationSubject = "invalid container configuration"
}

/// Why a configuration could not be read: a file that is not there or
/// cannot be read (the system layer's message: call, path, errno), or
/// text that is not a valid configuration.
public enum ConfigFailure: Error, Equatable, CustomStringConvertible, Sendable {
    /// `path` does not exist (ENOENT); LXC skips an `lxc.include` of such a path.
    case missing(path: String, message: String)
    /// Any other failed call; `errno` for callers that tell causes apart.
    case unreadable(message: String, errno: Int32)
    case invalid(ConfigError)

    public var description: String {
        switch self {
        case .missing(_, let message), .unreadable(let message, _): return message
        case .invalid(let error): return error.description
        }
    }

}

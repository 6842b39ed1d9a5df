import PassthroughModel

/// Why an `lxc-passthrough` command refuses: one sentence naming the
/// container, key or path, and the failed call with its errno where there is one.
public struct AdminError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }

    /// A configuration that cannot be read (the failed call), or that is not valid.
    public init(_ failure: ConfigFailure) {
        switch failure {
        case .missing, .unreadable: self.init(failure.description)
        case .invalid(let error): self.init(error.asInvalidConfiguration)
        }
    }
}

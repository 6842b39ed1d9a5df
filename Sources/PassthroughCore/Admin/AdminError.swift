/// Why an `lxc-passthrough` command refuses: one sentence naming the
/// container, key or path, and the failed call with its errno where there is one.
public struct AdminError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

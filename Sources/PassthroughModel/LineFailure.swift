/// Why a line of a file lxc-passthrough writes for itself (the device list,
/// the record of grants) does not decode.
public struct LineFailure: Error, Equatable, CustomStringConvertible, Sendable {
    public var line: Int
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}

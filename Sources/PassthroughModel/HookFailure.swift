/// Why a start is refused: which device (`dev3 (/dev/ttyUSB0)`) and what
/// failed, with the syscall and errno where one failed. The planner refuses
/// with it too, so that `check`, `add` and `attach` say what pre-start says.
public struct HookFailure: Error, CustomStringConvertible, Sendable {
    /// `dev3 (/dev/ttyUSB0)`, or nil for problems not tied to one device.
    public var device: String?
    public var message: String

    public init(device: String? = nil, _ message: String) {
        self.device = device
        self.message = message
    }

    public init(key: DeviceKey, path: String, _ message: String) {
        self.init(device: "\(key) (\(path))", message)
    }

    public var description: String {
        if let device { return "\(device): \(message)" }
        return message
    }
}

/// Character or block device; the letter is the one LXC's rules and the device list use.
public enum DeviceType: String, Sendable, Hashable {
    case character = "c"
    case block = "b"

    public var noun: String { self == .character ? "character device" : "block device" }
}

/// A Linux device number: major and minor. Converted to and from `dev_t`
/// by the system layer, with the C library's own `makedev`, `major`, `minor`.
public struct DeviceNumber: Hashable, Sendable, CustomStringConvertible {
    public var major: UInt32
    public var minor: UInt32

    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    public var description: String { "\(major):\(minor)" }
}

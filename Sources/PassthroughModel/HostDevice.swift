/// What `stat` found at a device path on the host.
public struct HostDevice: Equatable, Sendable {
    public var type: DeviceType
    public var number: DeviceNumber

    public init(type: DeviceType, number: DeviceNumber) {
        self.type = type
        self.number = number
    }
}

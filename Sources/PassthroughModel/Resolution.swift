/// What an entry's selector means on the host now: the device nodes it
/// gives, or why there are none, in the words pre-start uses. Pure: the
/// system layer looks (`DeviceResolver`).
public enum Resolution: Equatable, Sendable {
    /// One node for a path; for a USB selector, the nodes of every device
    /// that matches, never none (that is `missing`).
    case nodes([ResolvedNode])
    /// Nothing there now: a path not found, no USB device that matches.
    case missing(String)
    /// A path that names something other than a device.
    case notADevice(String)
}

/// One host device node an entry gives: where it is on the host, where it
/// goes in the container, and what it is.
public struct ResolvedNode: Hashable, Sendable {
    /// `/dev/ttyUSB0`, `/dev/bus/usb/001/005`: the path as written for a path
    /// entry; `/dev/` and the node's `DEVNAME` for a USB device's node.
    public var hostPath: String
    /// Where it appears in the container: `mp`, or its host path (normalized).
    public var containerPath: String
    public var type: DeviceType
    public var number: DeviceNumber
    /// For a USB device's node, its directory below the sysfs root, through
    /// the device's link (`bus/usb/devices/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0`):
    /// where what it is told as is read. Nil for a path entry's node.
    public var sysfsDirectory: String?

    public init(hostPath: String, containerPath: String, type: DeviceType, number: DeviceNumber, sysfsDirectory: String? = nil) {
        self.hostPath = hostPath
        self.containerPath = containerPath
        self.type = type
        self.number = number
        self.sysfsDirectory = sysfsDirectory
    }

    /// The type and number, as `stat` would give them.
    public var device: HostDevice { HostDevice(type: type, number: number) }
}

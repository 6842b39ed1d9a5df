import PassthroughModel

/// Where sysfs is: `/sys` on a host; another directory in tests, which build
/// USB trees there with stand-in attribute files. What is read below it is
/// the kernel's: its links between directories (`bus/usb/devices/1-2`) are
/// followed where the kernel's layout needs it, and nowhere else.
public struct SysfsRoot: Equatable, Sendable {
    public var path: String

    /// `/sys`.
    public init() {
        path = "/sys"
    }

    /// Another root: a directory laid out as sysfs (tests).
    public init(_ path: String) {
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// `ROOT/bus/usb/devices`: a link to each USB device and interface.
    public var usbDevicesPath: String { path + "/bus/usb/devices" }

    /// The directory of the USB device at `port`, through its link in `bus/usb/devices`.
    public func path(of port: USBPort) -> String { usbDevicesPath + "/" + port.name }

    /// That directory below the root: `bus/usb/devices/1-2.3`.
    public static func directory(of port: USBPort) -> String { "bus/usb/devices/" + port.name }

    /// The most bytes read of one attribute file (a page: what a sysfs attribute holds).
    public static let attributeLimit = SysfsAttribute.maximumLength
}

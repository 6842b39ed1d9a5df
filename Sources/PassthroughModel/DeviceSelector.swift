/// Which host device an entry means: a path (`/dev/ttyUSB0`, what Proxmox's
/// `devN` has), or a USB device by what it is (`usb=`, `serial=`, `usb-port=`).
public enum DeviceSelector: Hashable, Sendable {
    case path(String)
    /// A USB device, and which of its nodes are given.
    case usb(USBSelector, nodes: USBNodes)

    /// The keys a USB selector is written with (`nodes` is only for one).
    public static let usbKeys = ["usb", "serial", "usb-port", "nodes"]
}

/// Which nodes of a selected USB device an entry gives (`nodes=`).
public enum USBNodes: String, Hashable, Sendable, CaseIterable {
    /// The device's own node, `/dev/bus/usb/BBB/DDD` (what libusb opens): the default.
    case usb
    /// Every node below the device in sysfs: its own, and its interfaces'
    /// tty, hidraw, video, sound and input nodes.
    case all
}

extension DeviceSelector: CustomStringConvertible {
    /// `/dev/ttyUSB0`, or `usb 1a6e:089a port 1-2`, for messages.
    public var description: String {
        switch self {
        case .path(let path): return path
        case .usb(let selector, _): return "usb \(selector)"
        }
    }
}

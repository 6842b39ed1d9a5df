/// A kernel uevent as it arrives on a `NETLINK_KOBJECT_UEVENT` socket
/// (multicast group 1, the kernel's own): a header `ACTION@DEVPATH`, then
/// `KEY=VALUE` fields, each ended by a NUL byte. Pure.
///
/// The watcher takes an event only as a hint that something changed: what
/// it does is decided from the host's own `/dev`, configs and records, so a
/// forged or garbled event can make it look again, never act on another path.
public struct Uevent: Equatable, Sendable {
    /// `add`, `remove`, `change`, `move`, `bind`, `unbind`...
    public var action: String
    /// The device's path below /sys (`/devices/virtual/block/zram3`).
    public var devicePath: String
    /// Every `KEY=VALUE` field after the header, the first of each key kept.
    public var fields: [String: String]

    /// Messages longer than this are not the kernel's (it caps one at 2048 bytes).
    public static let maximumLength = 8192

    public init(action: String, devicePath: String, fields: [String: String] = [:]) {
        self.action = action
        self.devicePath = devicePath
        self.fields = fields
    }

    /// The node's name below /dev (`DEVNAME`), when the event is of a device node.
    public var deviceName: String? { fields["DEVNAME"] }

    /// `MAJOR` and `MINOR`, when both are there and valid.
    public var number: DeviceNumber? {
        func decimal(_ text: String?) -> UInt32? {
            guard let text, !text.isEmpty, text.utf8.count <= 7,
                  text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            else { return nil }
            return UInt32(text)
        }
        guard let major = decimal(fields["MAJOR"]), let minor = decimal(fields["MINOR"]), major < 1 << 12, minor < 1 << 20
        else { return nil }
        return DeviceNumber(major: major, minor: minor)
    }

    /// Whether a device node may have come or gone: the events a watcher
    /// looks again for (not `change`, `bind`, `unbind`, which every device
    /// sends in numbers and which make or remove no node).
    public var mayChangeNodes: Bool {
        (action == "add" || action == "remove" || action == "move") && (fields["DEVNAME"] != nil || fields["MAJOR"] != nil)
    }

    /// Parses one message; nil when it is not a kernel uevent (udev's own
    /// messages start with `libudev`, and have no `@` header).
    public static func parse(_ bytes: some Collection<UInt8>) -> Uevent? {
        guard bytes.count <= maximumLength else { return nil }
        var parts = bytes.split(separator: 0, omittingEmptySubsequences: true).makeIterator()
        guard let header = parts.next(), let at = header.firstIndex(of: UInt8(ascii: "@")) else { return nil }
        let action = header[header.startIndex..<at], path = header[header.index(after: at)...]
        guard !action.isEmpty, action.allSatisfy({ (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) }),
              path.first == UInt8(ascii: "/")
        else { return nil }
        var event = Uevent(action: String(decoding: action, as: UTF8.self), devicePath: String(decoding: path, as: UTF8.self))
        while let part = parts.next() {
            guard let equals = part.firstIndex(of: UInt8(ascii: "=")), equals != part.startIndex else { continue }
            let key = String(decoding: part[part.startIndex..<equals], as: UTF8.self)
            if event.fields[key] == nil {
                event.fields[key] = String(decoding: part[part.index(after: equals)...], as: UTF8.self)
            }
        }
        // The header and the ACTION field say the same of a kernel event.
        if let stated = event.fields["ACTION"], stated != event.action { return nil }
        return event
    }
}

extension Uevent {
    /// What a uevent says it is of, for USB entries: a USB device, or a node
    /// below one. Only a hint of which containers to look at: what they are
    /// given is read from sysfs.
    public enum USBHint: Equatable, Sendable {
        /// `SUBSYSTEM=usb` and `DEVTYPE=usb_device`: a device plugged in,
        /// pulled out or enumerated again (with other ids).
        case device
        /// A node of another subsystem whose `DEVPATH` is below a USB bus (a
        /// component `usbN`, the bus's root hub): an interface's tty, hidraw...
        case nodeBelowDevice
    }

    /// Nil for an event of no USB device: the containers with USB entries are not looked at for it.
    public var usbHint: USBHint? {
        if fields["SUBSYSTEM"] == "usb" {
            // An interface's own event (`usb_interface`) makes no node; its nodes' events follow.
            return fields["DEVTYPE"] == "usb_device" ? .device : nil
        }
        // `/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0`: below root hub usb1.
        var components = devicePath.utf8.split(separator: UInt8(ascii: "/")).makeIterator()
        while let component = components.next() {
            guard component.count > 3, component.starts(with: "usb".utf8),
                  component.dropFirst(3).allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            else { continue }
            return components.next() == nil ? nil : .nodeBelowDevice
        }
        return nil
    }
}

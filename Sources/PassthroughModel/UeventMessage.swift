/// A uevent as the kernel writes one (`add@/devices/...`, then `KEY=VALUE`
/// fields, each ended by a NUL), made to be sent into a container that the
/// kernel's own events do not reach: software inside (udev, libusb's
/// hotplug, discovery in Home Assistant or Frigate) hears of a node given or
/// taken as it would of a device plugged in or out. Its DEVNAME is where
/// the container has the node, not the host's name. Pure: `UeventInjection`
/// sends it.
public struct UeventMessage: Equatable, Sendable {
    public enum Action: String, Sendable {
        case add, remove
    }

    public var action: Action
    /// `DEVPATH`: the device's directory below /sys (`/devices/virtual/block/loop7`).
    public var devicePath: String
    /// `SUBSYSTEM`: `tty`, `block`, `usb`...
    public var subsystem: String
    /// `DEVNAME`: the node's path below the container's /dev (`ttyUSB0`, `bus/usb/001/005`).
    public var deviceName: String
    public var number: DeviceNumber
    /// `DEVTYPE`, when the device has one (`usb_device`, `partition`, `disk`).
    public var deviceType: String?
    /// More fields, in order, after those: a USB device's `PRODUCT`, `TYPE`, `BUSNUM`, `DEVNUM`.
    public var more: [Field]

    public struct Field: Equatable, Sendable {
        public var key: String
        public var value: String

        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = value
        }
    }

    public init(
        action: Action, devicePath: String, subsystem: String, deviceName: String, number: DeviceNumber, deviceType: String? = nil,
        more: [Field] = []
    ) {
        self.action = action
        self.devicePath = devicePath
        self.subsystem = subsystem
        self.deviceName = deviceName
        self.number = number
        self.deviceType = deviceType
        self.more = more
    }

    /// The kernel takes a message of at most 2048 bytes, its 16-byte netlink header included.
    public static let maximumLength = 2048 - 16

    public enum Failure: Error, Equatable, Sendable {
        /// A value that is empty, has a NUL or a control character, or (a key) is not `A-Z0-9_`.
        case invalidField(key: String, value: String)
        /// `DEVPATH` not below `/devices/`, or with `.`, `..` or empty components.
        case invalidDevicePath(String)
        /// `DEVNAME` absolute, or with `.`, `..` or empty components.
        case invalidDeviceName(String)
        case tooLong(Int)
    }

    /// The message's bytes: `ACTION@DEVPATH`, then ACTION, DEVPATH,
    /// SUBSYSTEM, MAJOR, MINOR, DEVNAME, DEVTYPE (when there is one) and the
    /// other fields, each ended by a NUL, as the kernel orders them. The
    /// kernel adds `SEQNUM` as it passes the message on.
    public func encoded() throws(Failure) -> [UInt8] {
        guard UeventMessage.isRelativePath(devicePath.utf8.dropFirst()), devicePath.hasPrefix("/devices/") else {
            throw .invalidDevicePath(devicePath)
        }
        guard UeventMessage.isRelativePath(deviceName.utf8[...]) else { throw .invalidDeviceName(deviceName) }
        var fields = [
            Field("ACTION", action.rawValue), Field("DEVPATH", devicePath), Field("SUBSYSTEM", subsystem),
            Field("MAJOR", String(number.major)), Field("MINOR", String(number.minor)), Field("DEVNAME", deviceName),
        ]
        if let deviceType { fields.append(Field("DEVTYPE", deviceType)) }
        fields += more
        var bytes = Array("\(action.rawValue)@\(devicePath)".utf8)
        bytes.append(0)
        for field in fields {
            guard UeventMessage.isKey(field.key), UeventMessage.isValue(field.value) else {
                throw .invalidField(key: field.key, value: field.value)
            }
            bytes += field.key.utf8
            bytes.append(UInt8(ascii: "="))
            bytes += field.value.utf8
            bytes.append(0)
        }
        guard bytes.count <= UeventMessage.maximumLength else { throw .tooLong(bytes.count) }
        return bytes
    }

    static func isKey(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") }
    }

    /// Printable: no NUL (it ends a field), no other control character.
    static func isValue(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x7f }
    }

    /// `a/b/c`: components that are neither empty, `.` nor `..`, printable.
    static func isRelativePath(_ path: Substring.UTF8View) -> Bool {
        !path.isEmpty && path.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).allSatisfy { component in
            !component.isEmpty && !component.elementsEqual(".".utf8) && !component.elementsEqual("..".utf8)
                && component.allSatisfy { $0 >= 0x20 && $0 != 0x7f }
        }
    }
}

extension UeventMessage.Failure: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidField(let key, let value):
            return "a uevent cannot carry \(OctalEscape.escapeForTerminal(key))=\(OctalEscape.escapeForTerminal(value))"
        case .invalidDevicePath(let path): return "'\(OctalEscape.escapeForTerminal(path))' is not a device's path below /sys/devices"
        case .invalidDeviceName(let name): return "'\(OctalEscape.escapeForTerminal(name))' is not a node's path below /dev"
        case .tooLong(let count): return "a uevent of \(count) bytes is longer than the kernel takes (\(UeventMessage.maximumLength))"
        }
    }
}

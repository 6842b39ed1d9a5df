/// What sysfs says of one USB device (`/sys/bus/usb/devices/PORT`), read
/// when it is needed and never from a uevent's text: who made it (vendor and
/// product), its serial, where it is plugged in, and its own node
/// (`/dev/bus/usb/BBB/DDD`). Pure: the system layer reads the attribute
/// files, `parse` decides what they say.
public struct USBDevice: Hashable, Sendable {
    /// The sysfs directory's name: where it is plugged in.
    public var port: USBPort
    /// `idVendor`.
    public var vendor: UInt16
    /// `idProduct`; a device may change it (the Coral: 1a6e:089a, then
    /// 18d1:9302 once its firmware is loaded), so it is read again each time.
    public var product: UInt16
    /// `serial`, when the device has one (many have none).
    public var serial: String?
    /// `busnum`.
    public var busNumber: UInt32
    /// `devnum`: the device's address on its bus, new at every replug.
    public var address: UInt32
    /// `dev`: the number of its node, `189:N`.
    public var nodeNumber: DeviceNumber

    public init(port: USBPort, vendor: UInt16, product: UInt16, serial: String?, busNumber: UInt32, address: UInt32, nodeNumber: DeviceNumber) {
        self.port = port
        self.vendor = vendor
        self.product = product
        self.serial = serial
        self.busNumber = busNumber
        self.address = address
        self.nodeNumber = nodeNumber
    }

    /// The attribute files `parse` reads; all but `serial` are required.
    public static let attributeNames = ["idVendor", "idProduct", "serial", "busnum", "devnum", "dev"]
    /// A USB string descriptor holds at most 126 UTF-16 code units; a serial
    /// longer than 126 bytes is refused (the rare non-ASCII serial that is
    /// longer in UTF-8 included: it is not what this is for).
    public static let maximumSerialLength = 126
    /// The major number of every USB device's node (`USB_DEVICE_MAJOR`).
    public static let nodeMajor: UInt32 = 189

    /// The device's own node below `/dev`, as the kernel names it (`bus/usb/001/005`).
    public var nodeName: String {
        func threeDigits(_ number: UInt32) -> String {
            let digits = String(number)
            return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
        }
        return "bus/usb/\(threeDigits(busNumber))/\(threeDigits(address))"
    }

    public enum Failure: Error, Equatable, Sendable {
        /// The directory's name is not a port name.
        case invalidPort(String)
        /// An attribute is missing or not what the kernel writes.
        case attribute(SysfsAttribute.Failure)
        /// An attribute disagrees with another: `text` is what it says, `expected` what the others say.
        case mismatch(attribute: String, text: String, expected: String)

        /// The attribute the failure is about; nil for the port name.
        public var attribute: String? {
            switch self {
            case .invalidPort: return nil
            case .attribute(let failure): return failure.attribute
            case .mismatch(let attribute, _, _): return attribute
            }
        }
    }

    /// The device at `port` from the contents of its attribute files, by
    /// name (`attributeNames`; a missing key is a missing file).
    ///
    /// Besides each value's own form, the values must agree as the kernel
    /// makes them: `busnum` is the port's bus, `devnum` is from 1 to 127 (a
    /// USB address), and `dev` is `189:(busnum-1)*128+(devnum-1)`.
    public static func parse(port name: String, attributes: [String: [UInt8]]) throws(Failure) -> USBDevice {
        guard let port = USBPort(name) else { throw .invalidPort(name) }
        let device: USBDevice
        do {
            device = try values(port: port, attributes: attributes)
        } catch {
            throw .attribute(error)
        }
        if device.busNumber != port.bus {
            throw .mismatch(attribute: "busnum", text: String(device.busNumber), expected: "\(port.bus) (the bus of port \(port))")
        }
        let expected = DeviceNumber(major: nodeMajor, minor: (device.busNumber - 1) * 128 + (device.address - 1))
        if device.nodeNumber != expected {
            throw .mismatch(
                attribute: "dev", text: device.nodeNumber.description,
                expected: "\(expected) (from busnum \(device.busNumber) and devnum \(device.address))")
        }
        return device
    }

    /// Each attribute's value, each in its own form.
    private static func values(port: USBPort, attributes: [String: [UInt8]]) throws(SysfsAttribute.Failure) -> USBDevice {
        func required(_ attribute: String) throws(SysfsAttribute.Failure) -> [UInt8] {
            guard let bytes = attributes[attribute] else { throw .missing(attribute: attribute) }
            return bytes
        }
        var serial: String?
        if let bytes = attributes["serial"] { serial = try SysfsAttribute.text(bytes, attribute: "serial", limit: maximumSerialLength) }
        return USBDevice(
            port: port,
            vendor: try SysfsAttribute.hexadecimal16(try required("idVendor"), attribute: "idVendor"),
            product: try SysfsAttribute.hexadecimal16(try required("idProduct"), attribute: "idProduct"),
            serial: serial,
            // busnum is checked against the port's bus after: its range here is only that of a number.
            busNumber: try SysfsAttribute.decimal(try required("busnum"), attribute: "busnum", in: 1...9_999_999),
            address: try SysfsAttribute.decimal(try required("devnum"), attribute: "devnum", in: 1...127),
            nodeNumber: try SysfsAttribute.deviceNumber(try required("dev"), attribute: "dev"))
    }
}

extension USBDevice: CustomStringConvertible {
    /// `1-2.3 10c4:ea60 serial 0001 (bus/usb/001/005)`.
    public var description: String {
        "\(port) \(USBIdentity(vendor: vendor, product: product))"
            + (serial.map { " serial \(OctalEscape.escapeForTerminal($0))" } ?? "") + " (\(nodeName))"
    }

    /// The vendor and product.
    public var identity: USBIdentity { USBIdentity(vendor: vendor, product: product) }
}

extension USBDevice.Failure: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidPort(let name): return "'\(OctalEscape.escapeForTerminal(name))' is not a USB port name (such as 1-2.3)"
        case .attribute(let failure): return failure.description
        case .mismatch(let attribute, let text, let expected): return "\(attribute): \(text), where \(expected) was expected"
        }
    }
}

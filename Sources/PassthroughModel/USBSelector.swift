/// Which USB device an entry means, by what it is rather than by a node's
/// name: its vendor and product ids (several pairs for a device that changes
/// them, such as the Coral: `1a6e:089a;18d1:9302`), its serial, and the port
/// it is plugged into. Every criterion given must hold.
///
/// At least one pair or a port is needed: a serial alone is refused, since
/// it is only unique among one maker's products, and any device may claim
/// any serial (as any may claim any ids: a port is the one criterion a
/// device cannot choose).
///
/// The text of each criterion, the same on the command line and in a config:
/// - pairs: `VVVV:PPPP` (four hexadecimal digits each, either case), several
///   joined by `;` as Proxmox joins several ids in one value (`hostpci`'s
///   `host=`): `1a6e:089a;18d1:9302`;
/// - serial: the text of the device's `serial` attribute, exactly (at most
///   126 bytes, no control character);
/// - port: the device's sysfs name, `BUS-PORT[.PORT]...` (`1-2.3`).
/// How these sit in a config entry is decided where entries are read.
public struct USBSelector: Hashable, Sendable {
    /// The pairs, any of which the device may have; empty: any ids.
    public private(set) var identities: [USBIdentity]
    /// The serial the device must have; nil: any.
    public private(set) var serial: String?
    /// The port the device must be plugged into; nil: any.
    public private(set) var port: USBPort?

    public enum Failure: Error, Equatable, Sendable {
        /// Not `VVVV:PPPP`.
        case invalidIdentity(String)
        /// The same pair twice.
        case repeatedIdentity(USBIdentity)
        /// Empty, longer than 126 bytes, or with a control character.
        case invalidSerial(String)
        /// Not a port name.
        case invalidPort(String)
        /// Neither a pair nor a port: nothing that says which device.
        case noIdentityOrPort
    }

    public init(identities: [USBIdentity] = [], serial: String? = nil, port: USBPort? = nil) throws(Failure) {
        guard !identities.isEmpty || port != nil else { throw .noIdentityOrPort }
        var seen = Set<USBIdentity>()
        for identity in identities where !seen.insert(identity).inserted { throw .repeatedIdentity(identity) }
        if let serial, serial.isEmpty || serial.utf8.count > USBDevice.maximumSerialLength || SysfsAttribute.textProblem(serial) != nil {
            throw .invalidSerial(serial)
        }
        self.identities = identities
        self.serial = serial
        self.port = port
    }

    /// A selector from the text of each criterion (nil: not given).
    public static func parse(identities: String?, serial: String? = nil, port: String? = nil) throws(Failure) -> USBSelector {
        var ports: USBPort?
        if let port {
            guard let parsed = USBPort(port) else { throw .invalidPort(port) }
            ports = parsed
        }
        return try USBSelector(identities: try identities.map(parseIdentities) ?? [], serial: serial, port: ports)
    }

    /// `VVVV:PPPP`, or several joined by `;`; no empty item, no spaces.
    public static func parseIdentities(_ text: String) throws(Failure) -> [USBIdentity] {
        var identities: [USBIdentity] = []
        for piece in text.utf8.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false) {
            let item = String(utf8Slice: piece)
            guard let identity = USBIdentity(item) else { throw .invalidIdentity(item) }
            identities.append(identity)
        }
        return identities
    }

    /// Whether `device` is the one meant: one of the pairs (when any is
    /// given), the serial (when given), the port (when given).
    public func matches(_ device: USBDevice) -> Bool {
        (identities.isEmpty || identities.contains(device.identity))
            && (serial == nil || device.serial == serial)
            && (port == nil || device.port == port)
    }
}

extension USBSelector: CustomStringConvertible {
    /// `1a6e:089a;18d1:9302 serial X port 1-2`, for messages.
    public var description: String {
        var parts: [String] = []
        if !identities.isEmpty { parts.append(identities.map(\.description).joined(separator: ";")) }
        if let serial { parts.append("serial \(OctalEscape.escapeForTerminal(serial))") }
        if let port { parts.append("port \(port)") }
        return parts.joined(separator: " ")
    }
}

extension USBSelector.Failure: CustomStringConvertible {
    public var description: String {
        switch self {
        case .invalidIdentity(let text):
            return "'\(OctalEscape.escapeForTerminal(text))' is not a USB vendor:product pair (four hexadecimal digits each, such as 1a6e:089a)"
        case .repeatedIdentity(let identity): return "\(identity) is given twice"
        case .invalidSerial(let text):
            return "'\(OctalEscape.escapeForTerminal(text))' is not a USB serial (1 to \(USBDevice.maximumSerialLength) bytes, no control character)"
        case .invalidPort(let text): return "'\(OctalEscape.escapeForTerminal(text))' is not a USB port (such as 1-2.3)"
        case .noIdentityOrPort: return "a USB device is selected by vendor:product or by port (a serial alone is not enough)"
        }
    }
}

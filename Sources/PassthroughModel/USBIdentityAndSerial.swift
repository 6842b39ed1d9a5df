/// What `add --usb` takes: `VVVV:PPPP`, or `VVVV:PPPP:SERIAL` to name one
/// device of that make (the serial is everything after the second colon,
/// colons included). Read by the model's own parsers (`USBIdentity`,
/// `USBSelector`'s serial rules), as an entry's `usb=` and `serial=` are.
public struct USBIdentityAndSerial: Hashable, Sendable {
    public var identity: USBIdentity
    public var serial: String?

    public init(identity: USBIdentity, serial: String? = nil) {
        self.identity = identity
        self.serial = serial
    }

    public init(_ text: String) throws(USBSelector.Failure) {
        let bytes = Array(text.utf8)
        let colons = bytes.indices.filter { bytes[$0] == UInt8(ascii: ":") }
        let pair = colons.count >= 2 ? String(utf8Slice: bytes[..<colons[1]]) : text
        guard let identity = USBIdentity(pair) else { throw .invalidIdentity(pair) }
        self.identity = identity
        guard colons.count >= 2 else { return }
        let serial = String(utf8Slice: bytes[(colons[1] + 1)...])
        // The serial is checked as the selector checks it.
        _ = try USBSelector(identities: [identity], serial: serial)
        self.serial = serial
    }

    /// The selector of several `--usb` (one device that changes its ids: the
    /// Coral's two pairs) and a `--usb-port`: every pair, the serial they
    /// give (refused when two give different ones), the port.
    public static func selector(_ arguments: [USBIdentityAndSerial], port: USBPort?) throws(Failure) -> USBSelector {
        let serials = Set(arguments.compactMap(\.serial))
        guard serials.count <= 1 else { throw .differentSerials(serials.sorted()) }
        do {
            return try USBSelector(identities: arguments.map(\.identity), serial: serials.first, port: port)
        } catch {
            throw .selector(error)
        }
    }

    public enum Failure: Error, Equatable, Sendable {
        case differentSerials([String])
        case selector(USBSelector.Failure)
    }
}

extension USBIdentityAndSerial.Failure: CustomStringConvertible {
    public var description: String {
        switch self {
        case .differentSerials(let serials):
            return "one device has one serial: --usb gives " + serials.map { "'\(OctalEscape.escapeForTerminal($0))'" }.joined(separator: " and ")
        case .selector(let failure): return "\(failure)"
        }
    }
}

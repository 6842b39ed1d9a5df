/// The name of a node pre-start makes in the passthrough directory: the
/// entry's key for its first node (`dev3`), and the key, `.` and the node's
/// index for the others a USB entry gives (`dev3.1`, `dev3.2`). A path entry
/// has one node, named as before.
public struct NodeName: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var key: DeviceKey
    /// The node's place among its entry's nodes, from 0.
    public var index: Int

    public init(_ key: DeviceKey, index: Int = 0) {
        precondition(index >= 0)
        self.key = key
        self.index = index
    }

    /// Parses `devN` or `devN.I` written canonically (I from 1, no leading zero).
    public init?(_ text: some StringProtocol) {
        let bytes = Array(text.utf8)
        guard let dot = bytes.firstIndex(of: UInt8(ascii: ".")) else {
            guard let key = DeviceKey(text) else { return nil }
            self.init(key)
            return
        }
        let digits = bytes[(dot + 1)...]
        guard let key = DeviceKey(String(utf8Slice: bytes[..<dot])), !digits.isEmpty, digits.count <= 6,
              digits.first != UInt8(ascii: "0"), let index = digits.decimalUInt32
        else { return nil }
        self.init(key, index: Int(index))
    }

    public var description: String { index == 0 ? key.description : "\(key).\(index)" }

    public static func < (lhs: NodeName, rhs: NodeName) -> Bool { (lhs.key, lhs.index) < (rhs.key, rhs.index) }
}

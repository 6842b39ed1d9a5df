/// A device entry's key, `dev0` to `dev255`, as Proxmox allows them.
public struct DeviceKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    public static let range: ClosedRange<Int> = 0...255

    public let index: Int

    public init?(index: Int) {
        guard DeviceKey.range.contains(index) else { return nil }
        self.index = index
    }

    /// Parses `devN` written canonically (no sign, no leading zero) with N in 0...255.
    public init?(_ text: some StringProtocol) {
        let bytes = text.utf8
        guard bytes.starts(with: "dev") else { return nil }
        let digits = bytes.dropFirst(3)
        guard digits.count <= 3, digits.first != UInt8(ascii: "0") || digits.count == 1,
              let index = digits.decimalUInt32
        else { return nil }
        self.init(index: Int(index))
    }

    /// Whether `text` looks like a device key at all (`dev` and digits), valid or not.
    public static func looksLikeKey(_ text: some StringProtocol) -> Bool {
        text.utf8.starts(with: "dev") && text.utf8.dropFirst(3).isDecimalDigits
    }

    public var description: String { "dev\(index)" }

    public static func < (lhs: DeviceKey, rhs: DeviceKey) -> Bool { lhs.index < rhs.index }
}

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
        guard text.hasPrefix("dev") else { return nil }
        let digits = text.dropFirst(3)
        guard !digits.isEmpty, digits.count <= 3, digits.allSatisfy(\.isASCIIDigit),
              digits == "0" || digits.first != "0",
              let index = Int(digits)
        else { return nil }
        self.init(index: index)
    }

    /// Whether `text` looks like a device key at all (`dev` and digits), valid or not.
    public static func looksLikeKey(_ text: some StringProtocol) -> Bool {
        text.hasPrefix("dev") && text.count > 3 && text.dropFirst(3).allSatisfy(\.isASCIIDigit)
    }

    public var description: String { "dev\(index)" }

    public static func < (lhs: DeviceKey, rhs: DeviceKey) -> Bool { lhs.index < rhs.index }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

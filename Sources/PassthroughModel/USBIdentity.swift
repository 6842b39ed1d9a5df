/// A USB vendor and product id, written as `lsusb` writes them: four
/// hexadecimal digits each, joined by a colon (`1a6e:089a`). Either case is
/// read; lower case is written.
public struct USBIdentity: Hashable, Sendable, CustomStringConvertible {
    public var vendor: UInt16
    public var product: UInt16

    public init(vendor: UInt16, product: UInt16) {
        self.vendor = vendor
        self.product = product
    }

    /// Nil unless `text` is exactly `VVVV:PPPP` (no `0x`, no spaces).
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 9, bytes[4] == UInt8(ascii: ":"),
              let vendor = SysfsAttribute.hexadecimal(bytes[..<4]), let product = SysfsAttribute.hexadecimal(bytes[5...])
        else { return nil }
        self.init(vendor: UInt16(vendor), product: UInt16(product))
    }

    public var description: String { "\(USBIdentity.hex(vendor)):\(USBIdentity.hex(product))" }

    static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}

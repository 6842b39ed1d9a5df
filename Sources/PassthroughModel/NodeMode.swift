/// The permission bits of a device node, as an entry (`mode=0660`) and the
/// command line (`--mode 0660`) give them: `0` then exactly three octal
/// digits, as Proxmox's `0[0-7]{3}` pattern, so no file type and no setuid,
/// setgid or sticky bit.
public struct NodeMode: Equatable, Hashable, Sendable {
    public let bits: UInt32

    public init(_ text: String) throws(DeviceSpec.Failure) {
        let digits = Array(text.utf8)
        guard digits.count == 4, digits[0] == UInt8(ascii: "0"),
              digits.dropFirst().allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) })
        else { throw .invalidMode(text) }
        bits = digits.dropFirst().reduce(0) { $0 * 8 + UInt32($1 - UInt8(ascii: "0")) }
    }
}

extension NodeMode: CustomStringConvertible {
    /// `0660`, as it is written.
    public var description: String { octal(bits) }
}

// Byte-level helpers for the parsers. The hooks parse on UTF-8 bytes rather
// than Swift `Character`s: grapheme breaking made string handling most of a
// hook's time with 256 devices (bench/), and every separator in these
// formats is ASCII.

extension Collection where Element == UInt8 {
    /// Pieces between `separator` bytes, empty ones included.
    @inlinable
    func pieces(separatedBy separator: UInt8) -> [SubSequence] {
        split(separator: separator, omittingEmptySubsequences: false)
    }

    /// Whether every byte is an ASCII digit (and there is at least one).
    @inlinable package var isDecimalDigits: Bool { !isEmpty && allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }

    /// An unsigned decimal number that fits `UInt32`, or nil.
    @inlinable package var decimalUInt32: UInt32? {
        guard isDecimalDigits else { return nil }
        var value: UInt64 = 0
        for byte in self {
            value = value * 10 + UInt64(byte - 0x30)
            if value > UInt64(UInt32.max) { return nil }
        }
        return UInt32(value)
    }

    /// An unsigned decimal number that fits `UInt64`, or nil.
    @inlinable package var decimalUInt64: UInt64? {
        guard isDecimalDigits else { return nil }
        var value: UInt64 = 0
        for byte in self {
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(UInt64(byte - 0x30))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    func starts(with text: StaticString) -> Bool {
        let prefix = UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
        return starts(with: prefix)
    }

    func equals(_ text: StaticString) -> Bool {
        elementsEqual(UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}

/// The fields of a line of bytes between runs of blanks (spaces and tabs),
/// one at a time: no array of pieces is made, as `split` makes for each line.
package struct BlankSeparatedFields: IteratorProtocol {
    private var rest: ArraySlice<UInt8>

    package init(_ line: ArraySlice<UInt8>) { rest = line }

    static func isBlank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    package mutating func next() -> ArraySlice<UInt8>? {
        guard let start = rest.firstIndex(where: { !Self.isBlank($0) }) else {
            rest = rest[rest.endIndex...]
            return nil
        }
        let end = rest[start...].firstIndex(where: Self.isBlank) ?? rest.endIndex
        defer { rest = rest[end...] }
        return rest[start..<end]
    }

    /// What follows the next field's separating blanks, as it is (blanks within kept).
    package mutating func remainder() -> ArraySlice<UInt8> {
        rest = rest.drop(while: Self.isBlank)
        return rest
    }
}

extension BidirectionalCollection where Element == UInt8 {
    /// Without leading and trailing spaces, tabs and carriage returns.
    var trimmingBlanks: SubSequence {
        let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 || byte == 0x0d }
        guard let start = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else {
            return self[endIndex...]
        }
        return self[start...last]
    }
}

extension String {
    /// A string from UTF-8 bytes known to be valid (slices of a valid string at ASCII boundaries).
    init<Bytes: Collection>(utf8Slice bytes: Bytes) where Bytes.Element == UInt8 {
        self.init(decoding: bytes, as: UTF8.self)
    }
}

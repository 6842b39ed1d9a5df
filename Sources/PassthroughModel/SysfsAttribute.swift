/// The value of a sysfs attribute file, as the kernel writes it: one value
/// and a newline (`10c4\n`, `189:4\n`). Pure: the system layer reads the
/// bytes (at most `maximumLength`), these functions decide what they say.
///
/// Strict: the final newline must be there and be the only one, there is no
/// NUL byte, and each kind of value has its exact form (`idVendor` is four
/// hexadecimal digits, not `0x10c4` or ` 10c4`). A value that is not what
/// the kernel writes is refused with the attribute's name and the text.
public enum SysfsAttribute {
    /// The most a sysfs attribute holds (a page); longer content is not the kernel's.
    public static let maximumLength = 4096
    /// The longest number read as decimal (`busnum`, `devnum`, a major or minor).
    static let maximumDecimalDigits = 7

    public enum Failure: Error, Equatable, Sendable {
        /// The attribute file is not there (and the value is required).
        case missing(attribute: String)
        /// Longer than `maximumLength` bytes (the length, not the text).
        case tooLong(attribute: String, length: Int)
        /// No final newline, another newline or a NUL byte: not one value and a newline.
        case notOneLine(attribute: String, text: String)
        /// Nothing before the newline.
        case empty(attribute: String)
        /// Not exactly four hexadecimal digits.
        case notHexadecimal(attribute: String, text: String)
        /// Not a decimal number without sign, spaces or leading zeros, or out of its range.
        case notDecimal(attribute: String, text: String)
        /// Not `MAJOR:MINOR` in decimal, within the kernel's 12 and 20 bits.
        case notDeviceNumber(attribute: String, text: String)
        /// Text with a control character, or not valid UTF-8.
        case notText(attribute: String, text: String)
        /// Text longer than the attribute allows.
        case textTooLong(attribute: String, length: Int, limit: Int)

        /// The attribute the failure is about.
        public var attribute: String {
            switch self {
            case .missing(let attribute), .tooLong(let attribute, _), .notOneLine(let attribute, _), .empty(let attribute),
                .notHexadecimal(let attribute, _), .notDecimal(let attribute, _), .notDeviceNumber(let attribute, _),
                .notText(let attribute, _), .textTooLong(let attribute, _, _):
                return attribute
            }
        }
    }

    /// The bytes before the one final newline.
    static func line(_ bytes: some Collection<UInt8>, attribute: String) throws(Failure) -> ArraySlice<UInt8> {
        guard bytes.count <= maximumLength else { throw .tooLong(attribute: attribute, length: bytes.count) }
        let all = ArraySlice(bytes)
        let value = all.dropLast()
        guard all.last == 0x0a, !value.contains(0x0a), !value.contains(0) else {
            throw .notOneLine(attribute: attribute, text: String(decoding: all, as: UTF8.self))
        }
        if value.isEmpty { throw .empty(attribute: attribute) }
        return value
    }

    /// Exactly four hexadecimal digits, either case (`idVendor`, `idProduct`).
    public static func hexadecimal16(_ bytes: some Collection<UInt8>, attribute: String) throws(Failure) -> UInt16 {
        let value = try line(bytes, attribute: attribute)
        guard value.count == 4, let number = hexadecimal(value) else {
            throw .notHexadecimal(attribute: attribute, text: String(decoding: value, as: UTF8.self))
        }
        return UInt16(number)
    }

    /// A decimal number in `range`: digits only, no leading zero (`busnum`, `devnum`).
    public static func decimal(_ bytes: some Collection<UInt8>, attribute: String, in range: ClosedRange<UInt32>) throws(Failure) -> UInt32 {
        let value = try line(bytes, attribute: attribute)
        guard let number = strictDecimal(value), range.contains(number) else {
            throw .notDecimal(attribute: attribute, text: String(decoding: value, as: UTF8.self))
        }
        return number
    }

    /// `MAJOR:MINOR` (the `dev` attribute of a directory that has a node).
    public static func deviceNumber(_ bytes: some Collection<UInt8>, attribute: String = "dev") throws(Failure) -> DeviceNumber {
        let value = try line(bytes, attribute: attribute)
        let parts = value.pieces(separatedBy: UInt8(ascii: ":"))
        guard parts.count == 2, let number = deviceNumber(major: parts[0], minor: parts[1]) else {
            throw .notDeviceNumber(attribute: attribute, text: String(decoding: value, as: UTF8.self))
        }
        return number
    }

    /// Text of at most `limit` bytes, valid UTF-8, with no control character (`serial`).
    public static func text(_ bytes: some Collection<UInt8>, attribute: String, limit: Int) throws(Failure) -> String {
        let value = try line(bytes, attribute: attribute)
        guard value.count <= limit else { throw .textTooLong(attribute: attribute, length: value.count, limit: limit) }
        guard let text = String(validating: value, as: UTF8.self), textProblem(text) == nil else {
            throw .notText(attribute: attribute, text: String(decoding: value, as: UTF8.self))
        }
        return text
    }

    /// Why `text` is not acceptable as an attribute's text (a control
    /// character: C0, DEL or C1), or nil when it is.
    static func textProblem(_ text: String) -> String? {
        for scalar in text.unicodeScalars where scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) {
            return "it holds a control character (U+\(String(scalar.value, radix: 16, uppercase: true)))"
        }
        return nil
    }

    /// A device number from decimal major and minor, within the kernel's
    /// limits (12 bits and 20 bits), as the kernel writes them.
    static func deviceNumber(major: some Collection<UInt8>, minor: some Collection<UInt8>) -> DeviceNumber? {
        guard let major = strictDecimal(major), let minor = strictDecimal(minor), major < 1 << 12, minor < 1 << 20 else { return nil }
        return DeviceNumber(major: major, minor: minor)
    }

    /// Decimal digits, at most `maximumDecimalDigits`, without a leading zero (but `0` itself).
    static func strictDecimal(_ bytes: some Collection<UInt8>) -> UInt32? {
        guard bytes.count <= maximumDecimalDigits, bytes.first != UInt8(ascii: "0") || bytes.count == 1 else { return nil }
        return bytes.decimalUInt32
    }

    static func hexadecimal(_ bytes: some Collection<UInt8>) -> UInt32? {
        guard !bytes.isEmpty, bytes.count <= 8 else { return nil }
        var value: UInt32 = 0
        for byte in bytes {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}

extension SysfsAttribute.Failure: CustomStringConvertible {
    public var description: String {
        func quoted(_ text: String) -> String { "'\(OctalEscape.escapeForTerminal(text))'" }
        switch self {
        case .missing(let attribute): return "\(attribute): missing"
        case .tooLong(let attribute, let length): return "\(attribute): \(length) bytes, more than a sysfs attribute holds (\(SysfsAttribute.maximumLength))"
        case .notOneLine(let attribute, let text): return "\(attribute): \(quoted(text)) is not one value and a newline"
        case .empty(let attribute): return "\(attribute): empty"
        case .notHexadecimal(let attribute, let text): return "\(attribute): \(quoted(text)) is not four hexadecimal digits"
        case .notDecimal(let attribute, let text): return "\(attribute): \(quoted(text)) is not a decimal number in range"
        case .notDeviceNumber(let attribute, let text): return "\(attribute): \(quoted(text)) is not MAJOR:MINOR"
        case .notText(let attribute, let text): return "\(attribute): \(quoted(text)) is not UTF-8 text without control characters"
        case .textTooLong(let attribute, let length, let limit): return "\(attribute): \(length) bytes, longer than \(limit)"
        }
    }
}

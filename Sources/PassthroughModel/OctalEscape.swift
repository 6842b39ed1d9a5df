/// `\ooo` escapes (a backslash and three octal digits for one byte), as
/// /proc/PID/mountinfo writes paths, lxc-passthrough writes paths in its
/// files, and text from a container is shown to the administrator.
public enum OctalEscape {
    /// Bytes up to space, DEL and backslash escaped: a path in a space-separated line.
    public static func escapePath(_ text: String) -> String {
        guard text.utf8.contains(where: escapedInPaths) else { return text }
        var builder = TextBuilder(capacity: text.utf8.count + 16)
        builder.add(escapedPath: text)
        return builder.text
    }

    /// What `escapePath` wrote: nil for a bad escape or invalid UTF-8.
    public static func unescapePath(_ field: ArraySlice<UInt8>) -> String? {
        // Most paths have no escape: validated in place.
        guard field.contains(UInt8(ascii: "\\")) else { return String(validUTF8: field) }
        return unescape(field, strict: true).flatMap { String(validUTF8: $0) }
    }

    /// Whether `escapePath` escapes `byte`.
    static func escapedInPaths(_ byte: UInt8) -> Bool {
        byte <= 0x20 || byte == 0x7f || byte == UInt8(ascii: "\\")
    }

    /// Text a container chose (a process name, a file it wrote, a mount
    /// point), made safe to print: control characters (C0, DEL and C1, which
    /// terminals take as commands) and backslash escaped; invalid UTF-8 was
    /// already replaced when the text was decoded.
    public static func escapeForTerminal(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0) || $0 == "\\" }) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if isControl(scalar) || scalar == "\\" {
                for byte in String(scalar).utf8 { result += octal(byte) }
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// The bytes `\ooo` escapes stand for. Strict: nil for a backslash not
    /// followed by three octal digits of a byte. Lenient (mountinfo, which
    /// escapes only some bytes): such a backslash is kept as it is.
    public static func unescape<Bytes: Collection>(_ text: Bytes, strict: Bool) -> [UInt8]? where Bytes.Element == UInt8 {
        let bytes = Array(text)
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\") {
                if index + 3 < bytes.count, let value = byte(bytes[(index + 1)...(index + 3)]) {
                    result.append(value)
                    index += 4
                    continue
                }
                if strict { return nil }
            }
            result.append(bytes[index])
            index += 1
        }
        return result
    }

    private static func octal(_ byte: UInt8) -> String {
        let digits = [byte >> 6, (byte >> 3) & 7, byte & 7].map { Character(Unicode.Scalar(UInt8(ascii: "0") + $0)) }
        return "\\" + String(digits)
    }

    private static func byte(_ digits: ArraySlice<UInt8>) -> UInt8? {
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "7") else { return nil }
            value = value * 8 + Int(digit - UInt8(ascii: "0"))
        }
        return value <= 255 ? UInt8(value) : nil
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value)
    }
}

/// Splits a Proxmox property string (`/dev/ttyUSB0,mode=0660,uid=1000`) into
/// key/value pairs, with the rules of `PVE::JSONSchema::parse_property_string`:
/// split on every comma (no quoting or escaping), skip empty parts, split a part
/// at its first `=` without trimming, and give a part without `=` to the default key.
public enum PropertyString {
    public enum Failure: Error, Equatable, Sendable {
        case emptyKey(part: String)
        case emptyValue(key: String)
        case duplicateKey(String)
        case unknownKey(String)
    }

    /// The value given for each of `keys`, at its index there (nil: not
    /// given); a part without `=` is `keys[defaultKey]`'s. Slots rather than a
    /// dictionary, and one scan for commas rather than `split`'s array of
    /// slices: hashing and growing a dictionary of the pairs, and looking each
    /// key up in it again, was most of pre-start's cost per device.
    public static func parse(
        _ text: String, keys: [String], defaultKey: Int
    ) throws(Failure) -> [String?] {
        var values = [String?](repeating: nil, count: keys.count)
        let bytes = Array(text.utf8)
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: UInt8(ascii: ",")) ?? bytes.count
            defer { start = end + 1 }
            // Empty parts are skipped.
            guard end > start else { continue }
            let part = bytes[start..<end]
            let index: Int, value: String
            if let equals = part.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(utf8Slice: part[..<equals])
                value = String(utf8Slice: part[(equals + 1)...])
                if key.isEmpty { throw .emptyKey(part: String(utf8Slice: part)) }
                guard let known = keys.firstIndex(of: key) else { throw .unknownKey(key) }
                if value.isEmpty { throw .emptyValue(key: key) }
                index = known
            } else {
                index = defaultKey
                value = String(utf8Slice: part)
            }
            if values[index] != nil { throw .duplicateKey(keys[index]) }
            values[index] = value
        }
        return values
    }
}

extension PropertyString.Failure: CustomStringConvertible {
    public var description: String {
        switch self {
        case .emptyKey(let part): return "'\(part)' has no key before '='"
        case .emptyValue(let key): return "'\(key)=' has an empty value"
        case .duplicateKey(let key): return "key '\(key)' is given more than once"
        case .unknownKey(let key): return "unknown key '\(key)'"
        }
    }
}

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

    /// The pairs in the order written. `allowedKeys` must contain `defaultKey`.
    public static func parse(
        _ text: String, defaultKey: String, allowedKeys: Set<String>
    ) throws(Failure) -> [String: String] {
        var result: [String: String] = [:]
        let bytes = Array(text.utf8)
        for part in bytes.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true) {
            let key: String, value: String
            if let equals = part.firstIndex(of: UInt8(ascii: "=")) {
                key = String(utf8Slice: part[..<equals])
                value = String(utf8Slice: part[(equals + 1)...])
                if key.isEmpty { throw .emptyKey(part: String(utf8Slice: part)) }
                guard allowedKeys.contains(key) else { throw .unknownKey(key) }
                if value.isEmpty { throw .emptyValue(key: key) }
            } else {
                key = defaultKey
                value = String(utf8Slice: part)
            }
            if result[key] != nil { throw .duplicateKey(key) }
            result[key] = value
        }
        return result
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

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

    /// The value given for each key, by its index in the keys parsed with.
    /// Strings and a bit for each key given, not `[String?]`: an array of
    /// optionals made each hook instantiate `Optional<String>`'s metadata at
    /// run time (about 25,000 instructions).
    public struct Values {
        private var texts: [String]
        private var given: UInt64 = 0

        init(count: Int) {
            precondition(count <= 64, "a bit for each key")
            texts = [String](repeating: "", count: count)
        }

        /// The value of the key at `index`; nil when it was not given.
        public subscript(index: Int) -> String? { given >> index & 1 != 0 ? texts[index] : nil }

        func isGiven(_ index: Int) -> Bool { given >> index & 1 != 0 }

        mutating func set(_ index: Int, _ value: String) {
            texts[index] = value
            given |= 1 << index
        }
    }

    /// The value given for each of `keys` (at most 64), at its index there;
    /// a part without `=` is `keys[defaultKey]`'s. Slots rather than a
    /// dictionary, and one scan for commas rather than `split`'s array of
    /// slices: hashing and growing a dictionary of the pairs, and looking each
    /// key up in it again, was most of pre-start's cost per device. A key is
    /// matched on its bytes and made into a string only for a refusal.
    public static func parse(
        _ text: String, keys: [String], defaultKey: Int
    ) throws(Failure) -> Values {
        var values = Values(count: keys.count)
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
                let keyBytes = part[..<equals]
                value = String(utf8Slice: part[(equals + 1)...])
                if keyBytes.isEmpty { throw .emptyKey(part: String(utf8Slice: part)) }
                // Lengths first, then the bytes in place: iterating a string's UTF-8 view was dearer than the string made before.
                guard let known = keys.firstIndex(where: { key in
                    key.utf8.count == keyBytes.count && key.utf8.withContiguousStorageIfAvailable({ $0.elementsEqual(keyBytes) }) == true
                }) else {
                    throw .unknownKey(String(utf8Slice: keyBytes))
                }
                if value.isEmpty { throw .emptyValue(key: keys[known]) }
                index = known
            } else {
                index = defaultKey
                value = String(utf8Slice: part)
            }
            if values.isGiven(index) { throw .duplicateKey(keys[index]) }
            values.set(index, value)
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

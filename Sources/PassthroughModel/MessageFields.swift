/// A message between a process and its worker (`Worker`): a list of fields,
/// each any bytes, written as its length (4 bytes, little-endian) and then
/// the bytes. Numbers go as decimal text. Pure.
public enum MessageFields {
    public static func encode(_ fields: [[UInt8]]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(fields.reduce(0) { $0 + 4 + $1.count })
        for field in fields {
            let count = UInt32(field.count)
            for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: count >> UInt32(shift))) }
            bytes += field
        }
        return bytes
    }

    public static func encode(_ fields: [String]) -> [UInt8] { encode(fields.map { Array($0.utf8) }) }

    /// The fields, or nil when a length runs past the end.
    public static func decode(_ bytes: [UInt8]) -> [[UInt8]]? {
        var fields: [[UInt8]] = []
        var at = 0
        while at < bytes.count {
            guard bytes.count - at >= 4 else { return nil }
            var count = 0
            for index in 0..<4 { count |= Int(bytes[at + index]) << (8 * index) }
            at += 4
            guard bytes.count - at >= count else { return nil }
            fields.append(Array(bytes[at..<(at + count)]))
            at += count
        }
        return fields
    }

    /// The fields as text (invalid UTF-8 repaired), or nil when they do not decode.
    public static func decodeText(_ bytes: [UInt8]) -> [String]? {
        decode(bytes)?.map { String(decoding: $0, as: UTF8.self) }
    }
}

import Testing
@testable import PassthroughModel

@Suite("text from bytes, only when they are valid UTF-8")
struct ValidUTF8Tests {
    @Test func answersAsTheStandardLibrarysValidationDoes() {
        let cases: [[UInt8]] = [
            [],
            Array("lxc.idmap = u 0 100000 65536\n".utf8),
            Array("sixteen bytes ok".utf8),
            Array("ünï /dev/ttyÜSB0 and more than eight bytes".utf8),
            [0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x80],  // a stray continuation byte in the last lane
            [0x61, 0xe2, 0x82],  // a truncated sequence
            [0xf0, 0x9f, 0x98, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66],  // three bytes of a four-byte sequence: repaired, the same length
            [0xc0, 0xaf],  // overlong
            Array(repeating: 0x7f, count: 17),
        ]
        for bytes in cases {
            let expected = String(validating: bytes, as: UTF8.self)
            #expect(String(validUTF8: bytes) == expected, "\(bytes)")
            #expect(String(validUTF8: bytes[...]) == expected, "\(bytes)")
            if bytes.count > 1 { #expect(String(validUTF8: bytes.dropFirst()) == String(validating: bytes.dropFirst(), as: UTF8.self)) }
        }
    }
}

extension String {
    /// `bytes` as text when they are valid UTF-8, else nil: what
    /// `String(validating:as:)` answers. The config files, device lists and
    /// paths the hooks read are ASCII: checked here eight bytes at a time,
    /// they are decoded with no further check. The standard library's
    /// validation, reached for anything else, is generic in this build: its
    /// first use looks up the encoding's associated types and instantiates
    /// metadata (about 14,000 instructions for each hook).
    public init?(validUTF8 bytes: [UInt8]) {
        guard let text = bytes.withUnsafeBufferPointer({ String(asciiOnly: $0) }) ?? String(validating: bytes, as: UTF8.self) else {
            return nil
        }
        self = text
    }

    /// The same for a slice.
    public init?(validUTF8 bytes: ArraySlice<UInt8>) {
        guard let text = bytes.withUnsafeBufferPointer({ String(asciiOnly: $0) }) ?? String(validating: bytes, as: UTF8.self) else {
            return nil
        }
        self = text
    }

    /// The bytes as text when every one is ASCII; nil otherwise (valid or not).
    private init?(asciiOnly bytes: UnsafeBufferPointer<UInt8>) {
        let raw = UnsafeRawBufferPointer(bytes)
        var index = 0
        // A byte of 0x80 or more sets the top bit of its lane.
        while index + 8 <= bytes.count {
            if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return nil }
            index += 8
        }
        while index < bytes.count {
            if bytes[index] >= 0x80 { return nil }
            index += 1
        }
        self = String(decoding: bytes, as: UTF8.self)
    }
}

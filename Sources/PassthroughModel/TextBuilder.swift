/// Text built as UTF-8 bytes, for the files pre-start writes: string
/// interpolation made writing the record of 256 grants 3.3M instructions
/// (`bench/instructions.sh`), a sixth of pre-start.
struct TextBuilder {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int) { bytes.reserveCapacity(capacity) }

    mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    mutating func add(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    mutating func add(byte: UInt8) { bytes.append(byte) }

    mutating func add(decimal value: some BinaryInteger) {
        var value = UInt64(value)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[19 - count] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
                count += 1
            } while value > 0
            bytes.append(contentsOf: buffer[(20 - count)...])
        }
    }

    /// `devN`.
    mutating func add(key: DeviceKey) {
        add("dev")
        add(decimal: key.index)
    }

    /// `TYPE MAJOR MINOR`, as the device list and the record write a device.
    mutating func add(_ type: DeviceType, _ number: DeviceNumber) {
        add(type == .character ? "c " : "b ")
        add(decimal: number.major)
        add(byte: UInt8(ascii: " "))
        add(decimal: number.minor)
    }

    /// `text` with bytes up to space, DEL and backslash as `\ooo` (`OctalEscape.escapePath`).
    mutating func add(escapedPath text: String) {
        var text = text
        text.withUTF8 { buffer in
            if buffer.contains(where: OctalEscape.escapedInPaths) {
                addEscaping(buffer)
            } else {
                bytes.append(contentsOf: buffer)
            }
        }
    }

    private mutating func addEscaping(_ buffer: UnsafeBufferPointer<UInt8>) {
        for byte in buffer {
            if OctalEscape.escapedInPaths(byte) {
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(UInt8(ascii: "0") + (byte >> 6))
                bytes.append(UInt8(ascii: "0") + ((byte >> 3) & 7))
                bytes.append(UInt8(ascii: "0") + (byte & 7))
            } else {
                bytes.append(byte)
            }
        }
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }
}

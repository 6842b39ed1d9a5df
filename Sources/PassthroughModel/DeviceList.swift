/// The list pre-start writes for autodev: one line per node,
/// `NAME TYPE MAJOR MINOR PATH`, e.g. `dev0 c 188 0 /dev/ttyUSB0`, or
/// `dev3.1 c 188 0 /dev/ttyUSB0` for the second node of a USB entry.
///
/// The node is the file NAME (`NodeName`) in the passthrough directory.
/// PATH escapes backslash, bytes up to space and DEL as `\ooo` (as
/// /proc/self/mountinfo does), so any path validation accepts, spaces and
/// newlines included, survives the round trip.
public struct DeviceList: Equatable, Sendable {
    public static let header = "lxc-passthrough device list 1"
    public static let fileName = "devices"

    public struct Item: Equatable, Sendable {
        /// The node's file in the passthrough directory.
        public var name: NodeName
        public var type: DeviceType
        public var number: DeviceNumber
        /// Where the node is mounted in the container, e.g. `/dev/ttyUSB0`.
        public var path: String

        /// The entry the node is of.
        public var key: DeviceKey { name.key }

        /// `dev3 (/dev/ttyUSB0)`, for messages.
        public var label: String { "\(key) (\(path))" }

        public init(name: NodeName, type: DeviceType, number: DeviceNumber, path: String) {
            self.name = name
            self.type = type
            self.number = number
            self.path = path
        }

        /// The node of an entry that has one.
        public init(key: DeviceKey, type: DeviceType, number: DeviceNumber, path: String) {
            self.init(name: NodeName(key), type: type, number: number, path: path)
        }
    }

    public var items: [Item]

    public init(_ items: [Item]) { self.items = items }

    public func encoded() -> String {
        var text = TextBuilder(capacity: 32 + 80 * items.count)
        text.add(DeviceList.header)
        text.add(byte: UInt8(ascii: "\n"))
        for item in items {
            text.add(key: item.name.key)
            if item.name.index > 0 {
                text.add(byte: UInt8(ascii: "."))
                text.add(decimal: item.name.index)
            }
            text.add(byte: UInt8(ascii: " "))
            text.add(item.type, item.number)
            text.add(byte: UInt8(ascii: " "))
            text.add(escapedPath: item.path)
            text.add(byte: UInt8(ascii: "\n"))
        }
        return text.text
    }

    public typealias Failure = LineFailure

    public static func decode(_ text: String) throws(Failure) -> DeviceList {
        try decode(bytes: Array(text.utf8))
    }

    /// Decodes the list as read from its file. Lines and fields are found by
    /// index, as slices of `bytes`: splitting into arrays of slices cost
    /// autodev about 7,000 instructions per device.
    public static func decode(bytes: [UInt8]) throws(Failure) -> DeviceList {
        let newline = UInt8(ascii: "\n")
        let headerEnd = bytes.firstIndex(of: newline) ?? bytes.endIndex
        guard bytes[..<headerEnd].elementsEqual(header.utf8) else {
            throw Failure(line: 1, message: "expected the header '\(header)'")
        }
        guard bytes.last == newline else {
            var lines = 1
            for byte in bytes where byte == newline { lines += 1 }
            throw Failure(line: lines, message: "the last line is not terminated")
        }
        var items: [Item] = []
        var start = headerEnd + 1, line = 1
        while start < bytes.endIndex {
            var end = start
            while bytes[end] != newline { end += 1 }
            line += 1
            items.append(try item(bytes[start..<end], line: line))
            start = end + 1
        }
        return DeviceList(items)
    }

    /// One line's item: `KEY TYPE MAJOR MINOR PATH`, fields separated by single spaces.
    private static func item(_ text: ArraySlice<UInt8>, line: Int) throws(Failure) -> Item {
        let fail = { (message: String) in Failure(line: line, message: message) }
        var spaces = 0
        var separators = (0, 0, 0, 0)
        for index in text.indices where text[index] == UInt8(ascii: " ") {
            switch spaces {
            case 0: separators.0 = index
            case 1: separators.1 = index
            case 2: separators.2 = index
            case 3: separators.3 = index
            default: break
            }
            spaces += 1
        }
        guard spaces == 4 else { throw fail("expected 5 fields, found \(spaces + 1)") }
        let keyField = text[text.startIndex..<separators.0], typeField = text[(separators.0 + 1)..<separators.1]
        let majorField = text[(separators.1 + 1)..<separators.2], minorField = text[(separators.2 + 1)..<separators.3]
        let pathField = text[(separators.3 + 1)...]
        guard let name = NodeName(String(utf8Slice: keyField)) else { throw fail("bad node name '\(String(utf8Slice: keyField))'") }
        let type: DeviceType
        if typeField.elementsEqual("c".utf8) { type = .character } else if typeField.elementsEqual("b".utf8) { type = .block } else {
            throw fail("bad device type '\(String(utf8Slice: typeField))'")
        }
        guard let major = majorField.decimalUInt32, let minor = minorField.decimalUInt32 else { throw fail("bad device number") }
        guard let path = OctalEscape.unescapePath(pathField) else { throw fail("bad escape in path") }
        if let problem = DevicePath.problem(path) { throw fail("bad path: \(problem)") }
        return Item(name: name, type: type, number: DeviceNumber(major: major, minor: minor), path: path)
    }
}

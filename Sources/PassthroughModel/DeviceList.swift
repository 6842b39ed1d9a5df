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

    /// Decodes the list as read from its file.
    public static func decode(bytes: [UInt8]) throws(Failure) -> DeviceList {
        var lines = bytes[...].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.first.map({ $0.elementsEqual(header.utf8) }) == true else {
            throw Failure(line: 1, message: "expected the header '\(header)'")
        }
        guard lines.last?.isEmpty == true else { throw Failure(line: lines.count, message: "the last line is not terminated") }
        lines.removeLast()
        var items: [Item] = []
        items.reserveCapacity(lines.count - 1)
        for (offset, line) in lines.enumerated().dropFirst() {
            let fail = { (message: String) in Failure(line: offset + 1, message: message) }
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard fields.count == 5 else { throw fail("expected 5 fields, found \(fields.count)") }
            guard let name = NodeName(String(utf8Slice: fields[0])) else { throw fail("bad node name '\(String(utf8Slice: fields[0]))'") }
            let type: DeviceType
            if fields[1].elementsEqual("c".utf8) { type = .character } else if fields[1].elementsEqual("b".utf8) { type = .block } else {
                throw fail("bad device type '\(String(utf8Slice: fields[1]))'")
            }
            guard let major = fields[2].decimalUInt32, let minor = fields[3].decimalUInt32 else { throw fail("bad device number") }
            guard let path = OctalEscape.unescapePath(fields[4]) else { throw fail("bad escape in path") }
            if let problem = DevicePath.problem(path) { throw fail("bad path: \(problem)") }
            items.append(Item(name: name, type: type, number: DeviceNumber(major: major, minor: minor), path: path))
        }
        return DeviceList(items)
    }
}

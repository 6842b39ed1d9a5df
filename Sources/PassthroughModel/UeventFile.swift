/// The `uevent` file of a sysfs directory: what the kernel would send in an
/// event for it, as `KEY=VALUE` lines (`MAJOR=188`, `MINOR=0`,
/// `DEVNAME=ttyUSB0`, `DEVTYPE=usb_device`, `DRIVER=cp210x`...). Pure.
///
/// Unlike a netlink `Uevent` (a hint anyone in the network namespace may
/// send), this is read from the kernel's own sysfs, and read strictly: each
/// line is a key of capitals, digits and `_`, `=`, and a value without NUL;
/// the file ends with a newline and is valid UTF-8; no key is repeated.
public struct UeventFile: Equatable, Sendable {
    public var fields: [String: String]

    public init(fields: [String: String]) {
        self.fields = fields
    }

    /// A longer file is not the kernel's (a sysfs attribute holds a page).
    public static let maximumLength = SysfsAttribute.maximumLength
    /// `NAME_MAX`: the longest component of a node's name.
    static let maximumComponentLength = 255

    public enum Failure: Error, Equatable, Sendable {
        case tooLong(length: Int)
        /// Not lines ended by newlines, a NUL byte, or not UTF-8.
        case notText
        /// A line that is not `KEY=VALUE` (line numbers from 1).
        case invalidLine(line: Int, text: String)
        case repeatedKey(String)
        /// A key that must be there is not.
        case missing(key: String)
        /// `MAJOR` or `MINOR` not a decimal number within the kernel's limits.
        case invalidNumber(key: String, text: String)
        /// `DEVNAME` not a relative path below /dev (`why` says what is wrong).
        case invalidDeviceName(String, why: String)
    }

    public static func parse(_ bytes: some Collection<UInt8>) throws(Failure) -> UeventFile {
        guard bytes.count <= maximumLength else { throw .tooLong(length: bytes.count) }
        let all = Array(bytes)
        guard all.isEmpty || all.last == 0x0a, !all.contains(0), String(validating: all, as: UTF8.self) != nil else { throw .notText }
        var fields: [String: String] = [:]
        if all.isEmpty { return UeventFile(fields: fields) }
        for (index, line) in all.dropLast().pieces(separatedBy: 0x0a).enumerated() {
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")), equals != line.startIndex,
                  line[..<equals].allSatisfy(isKeyByte)
            else { throw .invalidLine(line: index + 1, text: String(utf8Slice: line)) }
            let key = String(utf8Slice: line[..<equals])
            guard fields[key] == nil else { throw .repeatedKey(key) }
            fields[key] = String(utf8Slice: line[(equals + 1)...])
        }
        return UeventFile(fields: fields)
    }

    static func isKeyByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
    }

    /// `DEVNAME`: where the node is below /dev (`ttyUSB0`, `bus/usb/001/005`, `snd/controlC1`).
    public func deviceName() throws(Failure) -> String {
        guard let name = fields["DEVNAME"] else { throw .missing(key: "DEVNAME") }
        if let why = UeventFile.deviceNameProblem(name) { throw .invalidDeviceName(name, why: why) }
        return name
    }

    /// `MAJOR` and `MINOR`.
    public func number() throws(Failure) -> DeviceNumber {
        guard let major = fields["MAJOR"] else { throw .missing(key: "MAJOR") }
        guard let minor = fields["MINOR"] else { throw .missing(key: "MINOR") }
        guard let majorNumber = SysfsAttribute.strictDecimal(major.utf8), majorNumber < 1 << 12 else {
            throw .invalidNumber(key: "MAJOR", text: major)
        }
        guard let minorNumber = SysfsAttribute.strictDecimal(minor.utf8), minorNumber < 1 << 20 else {
            throw .invalidNumber(key: "MINOR", text: minor)
        }
        return DeviceNumber(major: majorNumber, minor: minorNumber)
    }

    /// Why `name` is not a node's name relative to /dev, or nil when it is:
    /// it must not be empty or start with `/`, and has no empty, `.` or `..`
    /// component, no component longer than 255 bytes, and no control character.
    public static func deviceNameProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        if bytes.isEmpty { return "it is empty" }
        if bytes.first == UInt8(ascii: "/") { return "it starts with /" }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7f }) { return "it holds a control character" }
        for component in bytes.pieces(separatedBy: UInt8(ascii: "/")) {
            if component.isEmpty { return "it has an empty component" }
            if component.equals(".") || component.equals("..") { return "it has a '.' or '..' component" }
            if component.count > maximumComponentLength { return "a component is longer than \(maximumComponentLength) bytes" }
        }
        return nil
    }
}

extension UeventFile.Failure: CustomStringConvertible {
    public var description: String {
        func quoted(_ text: String) -> String { "'\(OctalEscape.escapeForTerminal(text))'" }
        switch self {
        case .tooLong(let length): return "\(length) bytes, more than a sysfs attribute holds (\(UeventFile.maximumLength))"
        case .notText: return "not UTF-8 lines ended by newlines"
        case .invalidLine(let line, let text): return "line \(line): \(quoted(text)) is not KEY=VALUE"
        case .repeatedKey(let key): return "\(key) is given twice"
        case .missing(let key): return "no \(key)"
        case .invalidNumber(let key, let text): return "\(key)=\(quoted(text)) is not a device number"
        case .invalidDeviceName(let name, let why): return "DEVNAME=\(quoted(name)) is not a name below /dev: \(why)"
        }
    }
}

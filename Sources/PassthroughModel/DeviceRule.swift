/// One LXC device cgroup rule: `lxc.cgroup.devices.allow = c 188:0 rw`
/// (cgroup v1) or `lxc.cgroup2.devices.deny = b 7:* w` (cgroup v2).
public struct DeviceRule: Equatable, Hashable, Sendable, CustomStringConvertible {
    public enum Hierarchy: String, CaseIterable, Sendable {
        case v1 = "lxc.cgroup.devices"
        case v2 = "lxc.cgroup2.devices"
    }

    public enum Verdict: String, Sendable { case allow, deny }

    /// What a rule allows or denies of its devices: any of `r`, `w` and `m`.
    /// A bit set: rules are parsed at every container start and every live
    /// change, and a `Set` of cases cost a hashed allocation per rule.
    public struct Access: OptionSet, Hashable, Sendable {
        public let rawValue: UInt8
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        public static let read = Access(rawValue: 1)
        public static let write = Access(rawValue: 2)
        public static let mknod = Access(rawValue: 4)
        /// `rwm`.
        public static let all: Access = [.read, .write, .mknod]

        /// Each access in this one on its own, in LXC's order: `r`, `w`, `m`.
        public var each: [Access] { [Access.read, .write, .mknod].filter { contains($0) } }

        /// As LXC writes it: `rw`, `rwm`, `m` (empty for none).
        public var letters: String {
            var text = ""
            if contains(.read) { text.append("r") }
            if contains(.write) { text.append("w") }
            if contains(.mknod) { text.append("m") }
            return text
        }

        /// From LXC's letters, in any order and repeated; nil for any other byte.
        init?(letters: ArraySlice<UInt8>) {
            var access: Access = []
            for byte in letters {
                switch byte {
                case UInt8(ascii: "r"): access.insert(.read)
                case UInt8(ascii: "w"): access.insert(.write)
                case UInt8(ascii: "m"): access.insert(.mknod)
                default: return nil
                }
            }
            self = access
        }
    }

    public var hierarchy: Hierarchy
    public var verdict: Verdict
    /// `c`, `b`, or nil for `a` (all devices).
    public var type: DeviceType?
    /// nil for `*`.
    public var major: UInt32?
    public var minor: UInt32?
    public var access: Access

    public init(_ hierarchy: Hierarchy, _ verdict: Verdict, _ type: DeviceType?, major: UInt32?, minor: UInt32?, access: Access) {
        self.hierarchy = hierarchy
        self.verdict = verdict
        self.type = type
        self.major = major
        self.minor = minor
        self.access = access
    }

    /// A rule for exactly one device.
    public init(_ hierarchy: Hierarchy, _ verdict: Verdict, _ type: DeviceType, _ number: DeviceNumber, _ access: Access) {
        self.init(hierarchy, verdict, type, major: number.major, minor: number.minor, access: access)
    }

    /// Whether this is `a` (every device, every access).
    public var isAll: Bool { type == nil }

    /// The one device this rule names; nil for `a` and for a `*` major or minor.
    public var oneDevice: (type: DeviceType, number: DeviceNumber)? {
        guard let type, let major, let minor else { return nil }
        return (type, DeviceNumber(major: major, minor: minor))
    }

    /// The same rule with the other verdict.
    public var opposite: DeviceRule {
        var rule = self
        rule.verdict = verdict == .allow ? .deny : .allow
        return rule
    }

    /// The config key, e.g. `lxc.cgroup2.devices.allow`.
    public var key: String { "\(hierarchy.rawValue).\(verdict.rawValue)" }

    /// The value as LXC writes it: `c 188:0 rw`, or `a`.
    public var value: String {
        guard let type else { return "a" }
        var text = type.rawValue
        text.append(" ")
        text.append(major.map { String($0) } ?? "*")
        text.append(":")
        text.append(minor.map { String($0) } ?? "*")
        text.append(" ")
        text.append(access.letters)
        return text
    }

    public var description: String { "\(key) = \(value)" }

    /// Parses a config assignment; nil when `key` is not a device rule key or the value does not parse.
    public init?(key: String, value: String) {
        let hierarchy: Hierarchy, verdict: Verdict
        switch key {
        case "lxc.cgroup.devices.allow": (hierarchy, verdict) = (.v1, .allow)
        case "lxc.cgroup.devices.deny": (hierarchy, verdict) = (.v1, .deny)
        case "lxc.cgroup2.devices.allow": (hierarchy, verdict) = (.v2, .allow)
        case "lxc.cgroup2.devices.deny": (hierarchy, verdict) = (.v2, .deny)
        default: return nil
        }
        self.init(hierarchy, verdict, value: value)
    }

    /// Parses a rule's value (`c 188:0 rw`, `a`).
    public init?(_ hierarchy: Hierarchy, _ verdict: Verdict, value: String) {
        self.init(hierarchy, verdict, value: Array(value.utf8)[...])
    }

    /// Parses a rule's value from its UTF-8 bytes, as LXC does: every
    /// separator is ASCII, and rules are parsed at every start (from the
    /// config and its includes) and every live change (from the host's record).
    public init?(_ hierarchy: Hierarchy, _ verdict: Verdict, value: ArraySlice<UInt8>) {
        var fields = BlankSeparatedFields(value)
        guard let first = fields.next() else { return nil }
        if first.count == 1, first.first == UInt8(ascii: "a") {
            // LXC takes `a` with anything after it, up to two more fields.
            _ = fields.next()
            _ = fields.next()
            guard fields.next() == nil else { return nil }
            self.init(hierarchy, verdict, nil, major: nil, minor: nil, access: .all)
            return
        }
        guard first.count == 1, let numbers = fields.next(), let letters = fields.next(), fields.next() == nil else { return nil }
        let type: DeviceType
        switch first.first {
        case UInt8(ascii: "c"): type = .character
        case UInt8(ascii: "b"): type = .block
        default: return nil
        }
        guard let colon = numbers.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        func number(_ text: ArraySlice<UInt8>) -> UInt32?? {
            text.count == 1 && text.first == UInt8(ascii: "*") ? .some(nil) : text.decimalUInt32.map { .some($0) }
        }
        guard let major = number(numbers[..<colon]), let minor = number(numbers[numbers.index(after: colon)...]),
              let access = Access(letters: letters)
        else { return nil }
        self.init(hierarchy, verdict, type, major: major, minor: minor, access: access)
    }

    /// Whether the rule names this device.
    public func matches(_ type: DeviceType, _ number: DeviceNumber) -> Bool {
        guard let ruleType = self.type else { return true }
        return ruleType == type && (major == nil || major == number.major) && (minor == nil || minor == number.minor)
    }
}

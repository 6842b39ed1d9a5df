/// One LXC device cgroup rule: `lxc.cgroup.devices.allow = c 188:0 rw`
/// (cgroup v1) or `lxc.cgroup2.devices.deny = b 7:* w` (cgroup v2).
public struct DeviceRule: Equatable, Hashable, Sendable, CustomStringConvertible {
    public enum Hierarchy: String, CaseIterable, Sendable {
        case v1 = "lxc.cgroup.devices"
        case v2 = "lxc.cgroup2.devices"
    }

    public enum Verdict: String, Sendable { case allow, deny }

    public enum Access: Character, CaseIterable, Sendable, Comparable {
        case read = "r", write = "w", mknod = "m"
        public static func < (a: Access, b: Access) -> Bool {
            allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
        }
    }

    public var hierarchy: Hierarchy
    public var verdict: Verdict
    /// `c`, `b`, or nil for `a` (all devices).
    public var type: DeviceType?
    /// nil for `*`.
    public var major: UInt32?
    public var minor: UInt32?
    public var access: Set<Access>

    public init(_ hierarchy: Hierarchy, _ verdict: Verdict, _ type: DeviceType?, major: UInt32?, minor: UInt32?, access: Set<Access>) {
        self.hierarchy = hierarchy
        self.verdict = verdict
        self.type = type
        self.major = major
        self.minor = minor
        self.access = access
    }

    /// A rule for exactly one device.
    public init(_ hierarchy: Hierarchy, _ verdict: Verdict, _ type: DeviceType, _ number: DeviceNumber, _ access: Set<Access>) {
        self.init(hierarchy, verdict, type, major: number.major, minor: number.minor, access: access)
    }

    /// Whether this is `a` (every device, every access).
    public var isAll: Bool { type == nil }

    /// The config key, e.g. `lxc.cgroup2.devices.allow`.
    public var key: String { "\(hierarchy.rawValue).\(verdict.rawValue)" }

    /// The value as LXC writes it: `c 188:0 rw`, or `a`.
    public var value: String {
        guard let type else { return "a" }
        let major = self.major.map(String.init) ?? "*"
        let minor = self.minor.map(String.init) ?? "*"
        return "\(type.rawValue) \(major):\(minor) \(String(access.sorted().map(\.rawValue)))"
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

    /// Parses a rule's value (`c 188:0 rw`, `a`). Works on UTF-8 bytes, as
    /// LXC does: every separator is ASCII, and rules are parsed at every
    /// start, from the config and its includes and from the host's record.
    public init?(_ hierarchy: Hierarchy, _ verdict: Verdict, value: String) {
        let fields = value.utf8.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
        if let first = fields.first, first.elementsEqual("a".utf8), fields.count <= 3 {
            self.init(hierarchy, verdict, nil, major: nil, minor: nil, access: Set(Access.allCases))
            return
        }
        guard fields.count == 3, fields[0].count == 1 else { return nil }
        let type: DeviceType
        switch fields[0].first {
        case UInt8(ascii: "c"): type = .character
        case UInt8(ascii: "b"): type = .block
        default: return nil
        }
        let numbers = fields[1].split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard numbers.count == 2 else { return nil }
        func number(_ text: Substring.UTF8View) -> UInt32?? {
            text.elementsEqual("*".utf8) ? .some(nil) : UInt32(Substring(text)).map { .some($0) }
        }
        guard let major = number(numbers[0]), let minor = number(numbers[1]) else { return nil }
        var access = Set<Access>()
        for byte in fields[2] {
            switch byte {
            case UInt8(ascii: "r"): access.insert(.read)
            case UInt8(ascii: "w"): access.insert(.write)
            case UInt8(ascii: "m"): access.insert(.mknod)
            default: return nil
            }
        }
        self.init(hierarchy, verdict, type, major: major, minor: minor, access: access)
    }

    /// Whether the rule names this device.
    public func matches(_ type: DeviceType, _ number: DeviceNumber) -> Bool {
        guard let ruleType = self.type else { return true }
        return ruleType == type && (major == nil || major == number.major) && (minor == nil || minor == number.minor)
    }
}

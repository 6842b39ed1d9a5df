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
        guard let hierarchy = Hierarchy.allCases.first(where: { key.hasPrefix($0.rawValue + ".") }),
              let verdict = Verdict(rawValue: String(key.dropFirst(hierarchy.rawValue.count + 1)))
        else { return nil }
        let fields = value.split(whereSeparator: { $0 == " " || $0 == "\t" })
        if fields == ["a"] || (fields.first == "a" && fields.count <= 3) {
            self.init(hierarchy, verdict, nil, major: nil, minor: nil, access: Set(Access.allCases))
            return
        }
        guard fields.count == 3, let type = DeviceType(rawValue: String(fields[0])) else { return nil }
        let numbers = fields[1].split(separator: ":", omittingEmptySubsequences: false)
        guard numbers.count == 2 else { return nil }
        func number(_ text: Substring) -> UInt32?? { text == "*" ? .some(nil) : UInt32(text).map { .some($0) } }
        guard let major = number(numbers[0]), let minor = number(numbers[1]) else { return nil }
        var access = Set<Access>()
        for character in fields[2] {
            guard let one = Access(rawValue: character) else { return nil }
            access.insert(one)
        }
        guard !access.isEmpty else { return nil }
        self.init(hierarchy, verdict, type, major: major, minor: minor, access: access)
    }

    /// Whether the rule names this device.
    public func matches(_ type: DeviceType, _ number: DeviceNumber) -> Bool {
        guard let ruleType = self.type else { return true }
        return ruleType == type && (major == nil || major == number.major) && (minor == nil || minor == number.minor)
    }
}

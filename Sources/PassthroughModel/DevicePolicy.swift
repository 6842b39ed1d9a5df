/// What a container's device cgroup rules allow, on one hierarchy, as LXC
/// applies them. Checked on real containers (see the cgroup rules tests):
///
/// - cgroup v1: the kernel's model. Everything is allowed until `deny = a`;
///   then an `allow` adds an exception and a `deny` takes access away from
///   one; before it, a `deny` adds an exception and an `allow` takes away.
///   Exceptions for the same devices merge their access.
/// - cgroup v2 (LXC's eBPF program): no rules, no program: everything is
///   allowed. Otherwise the last `a` rule sets the default, deny when there
///   is none (so a lone allow rule denies everything else, /dev/null too);
///   with a deny default LXC skips deny rules, with an allow default it
///   skips allow rules. A rule matches only an access that is a subset of
///   its own (so `deny w` does not match a read-write open). A rule with the
///   same device and access string as an earlier one replaces it (LXC's list).
public struct DevicePolicy: Equatable, Sendable {
    public let hierarchy: DeviceRule.Hierarchy
    /// Whether devices without a rule of their own are denied.
    public let deniesByDefault: Bool
    /// The rules that decide for particular devices: on v1 the kernel's
    /// exceptions to the default; on v2 LXC's list after the last `a` rule
    /// (entries with the default's own verdict are in it, and skipped).
    public let exceptions: [DeviceRule]
    /// On v2, whether LXC attaches a program at all (not without rules).
    public let hasProgram: Bool

    /// - Parameter rules: in the order LXC applies them (after `key =`
    ///   clears); rules of the other hierarchy are left out.
    public init(hierarchy: DeviceRule.Hierarchy, rules: [DeviceRule]) {
        self.hierarchy = hierarchy
        let rules = rules.filter { $0.hierarchy == hierarchy }
        switch hierarchy {
        case .v1:
            var defaultAllows = true
            var exceptions: [DeviceRule] = []
            for rule in rules {
                if rule.isAll {
                    defaultAllows = rule.verdict == .allow
                    exceptions = []
                } else if (rule.verdict == .allow) != defaultAllows {
                    if let index = exceptions.firstIndex(where: { $0.sameDevices(as: rule) }) {
                        exceptions[index].access.formUnion(rule.access)
                    } else {
                        exceptions.append(rule)
                    }
                } else {
                    // Takes the rule's access away from the exception for the same devices.
                    exceptions = exceptions.compactMap { exception in
                        guard exception.sameDevices(as: rule) else { return exception }
                        var reduced = exception
                        reduced.access.subtract(rule.access)
                        return reduced.access.isEmpty ? nil : reduced
                    }
                }
            }
            deniesByDefault = !defaultAllows
            self.exceptions = exceptions
            hasProgram = true
        case .v2:
            hasProgram = !rules.isEmpty
            let start = rules.lastIndex(where: \.isAll).map { $0 + 1 } ?? 0
            deniesByDefault = hasProgram && rules.last(where: \.isAll)?.verdict != .allow
            var entries: [DeviceRule] = []
            for rule in rules[start...] { rule.enterInLXCList(&entries) }
            exceptions = entries
        }
    }

    /// Whether `access` to the device is allowed.
    public func permits(_ type: DeviceType, _ number: DeviceNumber, _ access: DeviceRule.Access) -> Bool {
        switch hierarchy {
        case .v1:
            if deniesByDefault { return exceptions.contains { $0.matches(type, number) && access.isSubset(of: $0.access) } }
            return !exceptions.contains { $0.matches(type, number) && !$0.access.isDisjoint(with: access) }
        case .v2:
            guard hasProgram else { return true }
            // LXC's program matches a rule only when the access asked for is a
            // subset of the rule's: `deny w` does not stop a read-write open.
            let decided = exceptions.contains {
                $0.matches(type, number) && ($0.verdict == .deny) != deniesByDefault && access.isSubset(of: $0.access)
            }
            return deniesByDefault == decided
        }
    }

    /// Rules that, applied in order to a container without any, leave this
    /// same state: the default as an `a` rule, then the exceptions.
    public var normalizedRules: [DeviceRule] {
        guard hasProgram else { return [] }
        let all = DeviceRule(hierarchy, deniesByDefault ? .deny : .allow, nil, major: nil, minor: nil, access: .all)
        return [all] + exceptions
    }
}

extension DeviceRule {
    /// Whether both rules name the same devices (type, major and minor, `*` included).
    func sameDevices(as other: DeviceRule) -> Bool {
        type == other.type && major == other.major && minor == other.minor
    }

    /// Puts this (not `a`) rule into LXC's cgroup v2 list: it switches the
    /// verdict of an entry with the same devices and access string, or is added.
    func enterInLXCList(_ entries: inout [DeviceRule]) {
        if let index = entries.firstIndex(where: { $0.sameDevices(as: self) && $0.access == access }) {
            entries[index].verdict = verdict
        } else {
            entries.append(self)
        }
    }
}

/// What a container's device cgroup rules allow, on one hierarchy, as LXC
/// applies them. Checked on real containers (see the cgroup rules tests):
///
/// - cgroup v1: the kernel's model. Everything is allowed until `deny = a`;
///   then an `allow` adds an exception and a `deny` takes access away from
///   one; before it, a `deny` adds an exception and an `allow` takes away.
/// - cgroup v2 (LXC's eBPF program): no rules, no program: everything is
///   allowed. Otherwise the last `a` rule sets the default, deny when there
///   is none (so a lone allow rule denies everything else, /dev/null too);
///   with a deny default LXC skips deny rules, with an allow default it
///   skips allow rules. A rule matches only an access that is a subset of
///   its own (so `deny w` does not match a read-write open).
public struct DevicePolicy: Equatable, Sendable {
    public let hierarchy: DeviceRule.Hierarchy
    /// The rules in the order LXC applies them (after `key =` clears).
    public let rules: [DeviceRule]

    public init(hierarchy: DeviceRule.Hierarchy, rules: [DeviceRule]) {
        self.hierarchy = hierarchy
        self.rules = rules.filter { $0.hierarchy == hierarchy }
    }

    /// Whether devices without a rule of their own are denied.
    public var deniesByDefault: Bool {
        switch hierarchy {
        case .v1:
            return rules.last(where: \.isAll)?.verdict == .deny
        case .v2:
            guard !rules.isEmpty else { return false }
            return rules.last(where: \.isAll)?.verdict != .allow
        }
    }

    /// Whether `access` to the device is allowed.
    public func permits(_ type: DeviceType, _ number: DeviceNumber, _ access: Set<DeviceRule.Access>) -> Bool {
        switch hierarchy {
        case .v1: return permitsV1(type, number, access)
        case .v2: return permitsV2(type, number, access)
        }
    }

    private func permitsV1(_ type: DeviceType, _ number: DeviceNumber, _ access: Set<DeviceRule.Access>) -> Bool {
        var defaultAllows = true
        var exceptions: [DeviceRule] = []
        for rule in rules {
            if rule.isAll {
                defaultAllows = rule.verdict == .allow
                exceptions = []
            } else if (rule.verdict == .allow) != defaultAllows {
                exceptions.append(rule)
            } else {
                // Takes the rule's access away from exceptions for the same devices.
                exceptions = exceptions.compactMap { exception in
                    guard exception.type == rule.type, exception.major == rule.major, exception.minor == rule.minor else { return exception }
                    var reduced = exception
                    reduced.access.subtract(rule.access)
                    return reduced.access.isEmpty ? nil : reduced
                }
            }
        }
        let matching = exceptions.filter { $0.matches(type, number) }
        if defaultAllows {
            return !matching.contains { !$0.access.isDisjoint(with: access) }
        }
        return matching.contains { access.isSubset(of: $0.access) }
    }

    private func permitsV2(_ type: DeviceType, _ number: DeviceNumber, _ access: Set<DeviceRule.Access>) -> Bool {
        guard !rules.isEmpty else { return true }
        let start = rules.lastIndex(where: \.isAll).map { $0 + 1 } ?? 0
        let effective = rules[start...]
        if deniesByDefault {
            return effective.contains { $0.verdict == .allow && $0.matches(type, number) && access.isSubset(of: $0.access) }
        }
        // LXC's program matches a rule only when the access asked for is a
        // subset of the rule's: `deny w` does not stop a read-write open.
        return !effective.contains { $0.verdict == .deny && $0.matches(type, number) && access.isSubset(of: $0.access) }
    }
}

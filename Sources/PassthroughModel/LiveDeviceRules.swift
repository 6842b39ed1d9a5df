/// The device rules in force in a running container, on the hierarchy LXC
/// uses there: those it started with, changed by each rule written to it since
/// (`lxc-cgroup NAME devices.allow|deny VALUE`). On cgroup v1 the kernel
/// applies a written rule as it applies the config's; on cgroup v2 LXC keeps
/// its list (see `DevicePolicy`), where an `a` rule only switches the default
/// and a rule with the same device and access string as an entry replaces its
/// verdict instead of adding one. So a deny takes back an allow on v2 only when
/// its access string is the allow's. Pure: `attach`, `detach` and the watcher
/// decide from it, kept in the host's record, never from the container's view.
public struct LiveDeviceRules: Equatable, Sendable {
    public let hierarchy: DeviceRule.Hierarchy
    /// Rules that, applied in order to a container without any, leave the same state.
    public private(set) var rules: [DeviceRule]

    public init(hierarchy: DeviceRule.Hierarchy, started: [DeviceRule]) {
        self.hierarchy = hierarchy
        rules = DevicePolicy(hierarchy: hierarchy, rules: started).normalizedRules
    }

    public var policy: DevicePolicy { DevicePolicy(hierarchy: hierarchy, rules: rules) }

    /// Applies one rule as it is written to the running container.
    public mutating func apply(_ rule: DeviceRule) {
        guard rule.hierarchy == hierarchy else { return }
        let current = policy
        switch hierarchy {
        case .v1:
            rules = DevicePolicy(hierarchy: .v1, rules: rules + [rule]).normalizedRules
        case .v2:
            if rule.isAll {
                rules = [rule] + current.exceptions
                return
            }
            var entries = current.exceptions
            rule.enterInLXCList(&entries)
            // A list without an `a` rule denies by default (LXC's allowlist).
            let all = current.hasProgram ? Array(current.normalizedRules.prefix(1))
                : [DeviceRule(.v2, .deny, nil, major: nil, minor: nil, access: .all)]
            rules = all + entries
        }
    }

    public func applying(_ written: [DeviceRule]) -> LiveDeviceRules {
        var copy = self
        for rule in written { copy.apply(rule) }
        return copy
    }

    /// What one device must be allowed, and what it must be denied.
    public struct Goal: Equatable, Sendable {
        public var allowed: DeviceRule.Access
        public var denied: DeviceRule.Access

        public init(allowed: DeviceRule.Access, denied: DeviceRule.Access) {
            self.allowed = allowed
            self.denied = denied
        }

        /// A device passed through: read-write, or read-only with deny-write.
        public static func passedThrough(readOnly: Bool) -> Goal {
            readOnly ? Goal(allowed: [.read], denied: [.write]) : Goal(allowed: [.read, .write], denied: [])
        }

        /// A device taken out: nothing is left but what `standing` (the
        /// container's own rules) gives it.
        public static func revoked(keeping standing: DeviceRule.Access) -> Goal {
            Goal(allowed: standing, denied: DeviceRule.Access.all.subtracting(standing))
        }
    }

    /// Whether the device has what `goal` asks: each access allowed (and all
    /// of them together, as a read-write open asks), each denied access
    /// refused on its own (on v2 a `deny w` does not stop a read-write open:
    /// a limit of LXC's program).
    public func meets(_ goal: Goal, _ type: DeviceType, _ number: DeviceNumber) -> Bool {
        let policy = self.policy
        return (goal.allowed.isEmpty || policy.permits(type, number, goal.allowed))
            && goal.allowed.each.allSatisfy { policy.permits(type, number, $0) }
            && goal.denied.each.allSatisfy { !policy.permits(type, number, $0) }
    }

    /// The rules to write so that the device meets `goal`, changing no other
    /// device: none when it does already; nil when no rule can (a wildcard rule
    /// such as `b 7:* rwm` gives what must be denied).
    public func changes(toMeet goal: Goal, _ type: DeviceType, _ number: DeviceNumber) -> [DeviceRule]? {
        if meets(goal, type, number) { return [] }
        var written: [DeviceRule] = []
        var state = self
        // The state's policy, made again only when a rule is written.
        var policy = state.policy
        func write(_ verdict: DeviceRule.Verdict, _ access: DeviceRule.Access) {
            guard !access.isEmpty else { return }
            let rule = DeviceRule(hierarchy, verdict, type, number, access)
            written.append(rule)
            state.apply(rule)
            policy = state.policy
        }
        /// The rules naming exactly this device (not a wildcard): the only ones that can change for it alone.
        func exact() -> [DeviceRule] {
            policy.exceptions.filter { $0.type == type && $0.major == number.major && $0.minor == number.minor }
        }
        func allowedTogether() -> Bool { goal.allowed.isEmpty || policy.permits(type, number, goal.allowed) }
        func anyDeniedAllowed() -> Bool { goal.denied.each.contains { policy.permits(type, number, $0) } }
        switch hierarchy {
        case .v1:
            // One exception per device: what is allowed when the default denies, what is denied when it allows.
            if policy.deniesByDefault {
                write(.deny, (exact().first?.access ?? []).intersection(goal.denied))
                if !allowedTogether() { write(.allow, goal.allowed) }
            } else {
                write(.allow, (exact().first?.access ?? []).intersection(goal.allowed))
                if anyDeniedAllowed() { write(.deny, goal.denied) }
            }
        case .v2:
            if !policy.hasProgram {
                // Without rules everything is allowed; a deny needs the `a` default first.
                guard !goal.denied.isEmpty else { return [] }
                let all = DeviceRule(.v2, .allow, nil, major: nil, minor: nil, access: .all)
                written.append(all)
                state.apply(all)
                policy = state.policy
            }
            // An entry in the way is switched with its own access string; then one
            // entry with the whole access is added (a rule matches subsets of its access).
            if policy.deniesByDefault {
                for entry in exact() where entry.verdict == .allow && !entry.access.isDisjoint(with: goal.denied) {
                    write(.deny, entry.access)
                }
                if !allowedTogether() { write(.allow, goal.allowed) }
            } else {
                for entry in exact() where entry.verdict == .deny && !entry.access.isDisjoint(with: goal.allowed) {
                    write(.allow, entry.access)
                }
                if anyDeniedAllowed() { write(.deny, goal.denied) }
            }
        }
        return state.meets(goal, type, number) ? written : nil
    }

    /// What the container's own rules (`own`: its config without
    /// lxc-passthrough's block) give the device when they deny by default:
    /// the access a device keeps when lxc-passthrough takes it out. Rules of a
    /// container that allows everything give nothing of their own.
    public static func standingAccess(
        _ type: DeviceType, _ number: DeviceNumber, own: [DeviceRule], hierarchy: DeviceRule.Hierarchy
    ) -> DeviceRule.Access {
        let policy = DevicePolicy(hierarchy: hierarchy, rules: own)
        guard policy.hasProgram, policy.deniesByDefault else { return [] }
        return DeviceRule.Access(DeviceRule.Access.all.each.filter { policy.permits(type, number, $0) })
    }

    /// The rules that undo `written` when writing them failed half way, last
    /// first, each with the access string of the rule it undoes (LXC's v2
    /// list switches an entry with the same device and access). An `a` rule
    /// stays: taking it back would deny every device.
    public static func reverting(_ written: [DeviceRule]) -> [DeviceRule] {
        written.reversed().filter { !$0.isAll }.map { rule in
            var opposite = rule
            opposite.verdict = rule.verdict == .allow ? .deny : .allow
            return opposite
        }
    }
}

/// The device cgroup rules that `attach` adds to a running container and
/// `detach` takes back. Pure.
public enum LiveRules {
    /// What to add on `hierarchy` so that `device` gets its access, given the
    /// rules the container started with (`configured`, managed block included):
    /// nothing when they already give it, else what `sync` would write for it.
    public static func grant(_ device: RulePlanner.Device, on hierarchy: DeviceRule.Hierarchy, configured: [DeviceRule]) -> [DeviceRule] {
        if RulePlanner.isSatisfied(device, by: DevicePolicy(hierarchy: hierarchy, rules: configured)) { return [] }
        return RulePlanner.rules(for: [device], baseline: configured).filter { $0.hierarchy == hierarchy }
    }

    /// The rules that undo `granted`, last first. An `a` rule (the default
    /// that makes LXC's v2 program allow everything) stays: taking it back
    /// would deny every device.
    ///
    /// Each undoing rule has the same access string as the rule it undoes:
    /// LXC's v2 list replaces an entry with the same type, number and access.
    public static func revoking(_ granted: [DeviceRule]) -> [DeviceRule] {
        granted.reversed().filter { !$0.isAll }.map { rule in
            var opposite = rule
            opposite.verdict = rule.verdict == .allow ? .deny : .allow
            return opposite
        }
    }
}

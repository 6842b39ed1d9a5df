/// The device cgroup rules `lxc-passthrough sync` writes, for both
/// hierarchies, so that each device is usable (read-write, or read-only with
/// `deny-write`) and nothing else changes. Pure.
///
/// What each case needs was found on real containers:
/// - a container that denies by default (`common.conf`): an allow rule per
///   device, `rw`, or `r` for deny-write (a deny rule would be skipped on v2);
/// - a container that allows by default (`userns.conf` empties the lists):
///   no rule for a read-write device (on v2, a lone allow rule would make
///   LXC deny everything else, /dev/null too); for deny-write, a `w` deny
///   rule, and on v2 first an `allow = a`, since without an `a` rule LXC's
///   program denies by default.
public enum RulePlanner {
    public struct Device: Equatable, Sendable {
        public var type: DeviceType
        public var number: DeviceNumber
        public var denyWrite: Bool

        public init(type: DeviceType, number: DeviceNumber, denyWrite: Bool) {
            self.type = type
            self.number = number
            self.denyWrite = denyWrite
        }
    }

    /// `baseline`: the container's rules without the managed block.
    public static func rules(for devices: [Device], baseline: [DeviceRule]) -> [DeviceRule] {
        // Rules name device numbers, not nodes: two entries for one device
        // (a node and a link to it) get one rule, read-only only if both ask.
        var merged: [Device] = []
        for device in devices {
            if let index = merged.firstIndex(where: { $0.type == device.type && $0.number == device.number }) {
                merged[index].denyWrite = merged[index].denyWrite && device.denyWrite
            } else {
                merged.append(device)
            }
        }
        var rules: [DeviceRule] = []
        for hierarchy in DeviceRule.Hierarchy.allCases {
            let policy = DevicePolicy(hierarchy: hierarchy, rules: baseline)
            if policy.deniesByDefault {
                for device in merged {
                    rules.append(DeviceRule(hierarchy, .allow, device.type, device.number, device.denyWrite ? [.read] : [.read, .write]))
                }
                continue
            }
            let readOnly = merged.filter(\.denyWrite)
            guard !readOnly.isEmpty else { continue }
            if hierarchy == .v2 && !policy.hasProgram {
                rules.append(DeviceRule(.v2, .allow, nil, major: nil, minor: nil, access: [.read, .write, .mknod]))
            }
            for device in readOnly {
                rules.append(DeviceRule(hierarchy, .deny, device.type, device.number, [.write]))
            }
        }
        return rules
    }

    /// The access a device must have, for checking rules.
    public static func requiredAccess(denyWrite: Bool) -> (allowed: DeviceRule.Access, denied: DeviceRule.Access) {
        denyWrite ? ([.read], [.write]) : ([.read, .write], [])
    }

    /// Whether `policy` gives the device exactly the access asked for.
    public static func isSatisfied(_ device: Device, by policy: DevicePolicy) -> Bool {
        let (allowed, denied) = requiredAccess(denyWrite: device.denyWrite)
        return policy.permits(device.type, device.number, allowed)
            && denied.each.allSatisfy { !policy.permits(device.type, device.number, $0) }
    }

    /// Why pre-start refuses the device under `policy` (a device plugged in
    /// again with a new number since the last sync), or nil when the rules give it its access.
    public static func outOfDate(_ device: Device, under policy: DevicePolicy, containerName: String) -> String? {
        guard !isSatisfied(device, by: policy) else { return nil }
        let access = device.denyWrite ? "read-only access" : "read-write access"
        return "the container's device rules (\(policy.hierarchy.rawValue)) do not give \(device.type.rawValue) \(device.number) \(access): "
            + "run 'lxc-passthrough sync \(containerName)'"
    }
}

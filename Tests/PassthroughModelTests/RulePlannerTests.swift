import Testing
@testable import PassthroughModel

@Suite("rules lxc-passthrough sync writes")
struct RulePlannerTests {
    static let baselines: [(String, [DeviceRule])] = [("common.conf", commonConfRules), ("userns.conf (empty lists)", []),
                                                       ("v2 list allowing all", [rule("lxc.cgroup2.devices.allow = a")])]

    @Test(arguments: [false, true])
    func everyBaselineAndHierarchyGivesTheAccessAsked(denyWrite: Bool) {
        for (name, baseline) in RulePlannerTests.baselines {
            let device = RulePlanner.Device(type: .block, number: loop1, denyWrite: denyWrite)
            let rules = RulePlanner.rules(for: [device], baseline: baseline)
            for hierarchy in DeviceRule.Hierarchy.allCases {
                let before = DevicePolicy(hierarchy: hierarchy, rules: baseline)
                let after = DevicePolicy(hierarchy: hierarchy, rules: baseline + rules)
                #expect(RulePlanner.isSatisfied(device, by: after), "\(name) \(hierarchy): \(rules)")
                for other in [(DeviceType.character, null), (.block, loop2), (.character, DeviceNumber(major: 188, minor: 0))] {
                    for access: DeviceRule.Access in [[.read], [.write], [.read, .write]] {
                        #expect(before.permits(other.0, other.1, access) == after.permits(other.0, other.1, access),
                                "\(name) \(hierarchy): \(other) \(access) unchanged by \(rules)")
                    }
                }
            }
        }
    }

    @Test func exactRulesForEachCell() {
        let rw = RulePlanner.Device(type: .character, number: DeviceNumber(major: 188, minor: 0), denyWrite: false)
        let ro = RulePlanner.Device(type: .block, number: loop1, denyWrite: true)
        #expect(RulePlanner.rules(for: [rw, ro], baseline: commonConfRules).map(\.description) == [
            "lxc.cgroup.devices.allow = c 188:0 rw", "lxc.cgroup.devices.allow = b 7:1 r",
            "lxc.cgroup2.devices.allow = c 188:0 rw", "lxc.cgroup2.devices.allow = b 7:1 r",
        ])
        #expect(RulePlanner.rules(for: [rw, ro], baseline: []).map(\.description) == [
            "lxc.cgroup.devices.deny = b 7:1 w",
            "lxc.cgroup2.devices.allow = a", "lxc.cgroup2.devices.deny = b 7:1 w",
        ])
        #expect(RulePlanner.rules(for: [rw], baseline: []).isEmpty, "a lone allow would break /dev/null on v2")
    }

    @Test func oneRulePerDeviceNumber() {
        let node = RulePlanner.Device(type: .character, number: DeviceNumber(major: 188, minor: 0), denyWrite: true)
        var link = node
        link.denyWrite = false
        #expect(RulePlanner.rules(for: [node, link], baseline: commonConfRules).map(\.value) == ["c 188:0 rw", "c 188:0 rw"])
        #expect(RulePlanner.rules(for: [node, node], baseline: commonConfRules).map(\.value) == ["c 188:0 r", "c 188:0 r"])
    }

    @Test func stateOfRulesIsJudgedWithTheBlock() {
        let device = RulePlanner.Device(type: .character, number: DeviceNumber(major: 188, minor: 1), denyWrite: false)
        let stale = commonConfRules + [rule("lxc.cgroup.devices.allow = c 188:0 rw"), rule("lxc.cgroup2.devices.allow = c 188:0 rw")]
        #expect(!RulePlanner.isSatisfied(device, by: DevicePolicy(hierarchy: .v1, rules: stale)))
        #expect(!RulePlanner.isSatisfied(device, by: DevicePolicy(hierarchy: .v2, rules: stale)))
    }
}

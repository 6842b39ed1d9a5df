import Testing
@testable import PassthroughCore

/// Rules from LXC's common.conf (both hierarchies), as a container that includes it has them.
let commonConfRules: [DeviceRule] = {
    let values = ["a", "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm",
                  "c 1:8 rwm", "c 1:9 rwm", "c 136:* rwm", "c 10:229 rwm"]
    return DeviceRule.Hierarchy.allCases.flatMap { hierarchy in
        values.enumerated().map { index, value in
            DeviceRule(key: "\(hierarchy.rawValue).\(index == 0 ? "deny" : "allow")", value: value)!
        }
    }
}()

let loop1 = DeviceNumber(major: 7, minor: 1), loop2 = DeviceNumber(major: 7, minor: 2), null = DeviceNumber(major: 1, minor: 3)

/// A rule written as a config line, `key = value`.
func rule(_ text: String) -> DeviceRule {
    let (key, value) = ConfigReader.lxcAssignment(Substring(text))!
    return DeviceRule(key: key, value: value)!
}

@Suite("device rules")
struct DeviceRuleTests {
    @Test(arguments: ["c 188:0 rw", "b 7:* r", "c *:* m", "a", "b 259:65536 rwm"])
    func rulesRoundTrip(value: String) throws {
        let parsed = try #require(DeviceRule(key: "lxc.cgroup2.devices.allow", value: value))
        #expect(parsed.value == value)
        #expect(parsed.description == "lxc.cgroup2.devices.allow = \(value)")
    }

    @Test(arguments: ["c 188 rw", "x 1:2 r", "c 1:2 q", "c 1:2", "c a:2 r"])
    func badRulesDoNotParse(value: String) {
        #expect(DeviceRule(key: "lxc.cgroup.devices.allow", value: value) == nil)
    }

    @Test func otherKeysAreNotRules() {
        #expect(DeviceRule(key: "lxc.cgroup.memory.limit", value: "1") == nil)
        #expect(DeviceRule(key: "lxc.cgroup2.devices.maybe", value: "a") == nil)
    }
}

/// Each case was observed on real LXC 5.0.2 containers (privileged with
/// common.conf = "A", unprivileged with userns.conf's empty lists = "B").
@Suite("what LXC's device rules allow")
struct DevicePolicyTests {
    func policy(_ hierarchy: DeviceRule.Hierarchy, _ baseline: [DeviceRule], _ extra: [String]) -> DevicePolicy {
        DevicePolicy(hierarchy: hierarchy, rules: baseline + extra.map(rule))
    }

    @Test(arguments: DeviceRule.Hierarchy.allCases)
    func containerWithCommonConfDeniesUnlistedDevices(hierarchy: DeviceRule.Hierarchy) {
        let baseline = policy(hierarchy, commonConfRules, [])
        #expect(baseline.deniesByDefault)
        #expect(!baseline.permits(.block, loop1, [.read]))
        #expect(baseline.permits(.character, null, [.read, .write]))
    }

    @Test func allowReadOnlyIsReadOnlyOnBoth() {
        for (hierarchy, key) in [(DeviceRule.Hierarchy.v1, "lxc.cgroup.devices"), (.v2, "lxc.cgroup2.devices")] {
            let p = policy(hierarchy, commonConfRules, ["\(key).allow = b 7:1 r"])
            #expect(p.permits(.block, loop1, [.read]) && !p.permits(.block, loop1, [.write]) && !p.permits(.block, loop1, [.read, .write]))
            #expect(!p.permits(.block, loop2, [.read]))
        }
    }

    @Test func allowThenDenyWriteIsReadOnlyOnV1ButWritableOnV2() {
        let v1 = policy(.v1, commonConfRules, ["lxc.cgroup.devices.allow = b 7:1 rw", "lxc.cgroup.devices.deny = b 7:1 w"])
        #expect(v1.permits(.block, loop1, [.read]) && !v1.permits(.block, loop1, [.write]))
        let v2 = policy(.v2, commonConfRules, ["lxc.cgroup2.devices.allow = b 7:1 rw", "lxc.cgroup2.devices.deny = b 7:1 w"])
        #expect(v2.permits(.block, loop1, [.write]), "LXC skips deny rules when it denies by default")
    }

    @Test func emptyListsAllowEverything() {
        for hierarchy in DeviceRule.Hierarchy.allCases {
            let p = policy(hierarchy, [], [])
            #expect(!p.deniesByDefault && p.permits(.block, loop1, [.read, .write, .mknod]))
        }
    }

    @Test func aLoneAllowOnV2DeniesEverythingElse() {
        let v2 = policy(.v2, [], ["lxc.cgroup2.devices.allow = b 7:1 rw"])
        #expect(v2.permits(.block, loop1, [.read, .write]))
        #expect(!v2.permits(.character, null, [.write]) && !v2.permits(.block, loop2, [.read]))
        let v1 = policy(.v1, [], ["lxc.cgroup.devices.allow = b 7:1 r"])
        #expect(v1.permits(.block, loop1, [.write]), "on v1 a lone allow changes nothing")
    }

    @Test func aLoneDenyOnV2DeniesEverythingEvenTheDevice() {
        let v2 = policy(.v2, [], ["lxc.cgroup2.devices.deny = b 7:1 w"])
        #expect(!v2.permits(.block, loop1, [.read]) && !v2.permits(.character, null, [.write]))
    }

    @Test func allowAllThenDenyWriteOnV2StopsWritesButNotReadWriteOpens() {
        let v2 = policy(.v2, [], ["lxc.cgroup2.devices.allow = a", "lxc.cgroup2.devices.deny = b 7:1 w"])
        #expect(v2.permits(.block, loop1, [.read]) && !v2.permits(.block, loop1, [.write]))
        #expect(v2.permits(.block, loop1, [.read, .write]), "LXC matches a rule only for a subset of its access")
        #expect(v2.permits(.character, null, [.read, .write]) && v2.permits(.block, loop2, [.write]))
    }

    @Test func denyWriteOnV1AllowDefaultAlsoStopsReadWriteOpens() {
        let v1 = policy(.v1, [], ["lxc.cgroup.devices.deny = b 7:1 w"])
        #expect(v1.permits(.block, loop1, [.read]))
        #expect(!v1.permits(.block, loop1, [.write]) && !v1.permits(.block, loop1, [.read, .write]))
        #expect(v1.permits(.block, loop2, [.write]))
    }

    @Test func aSecondAllowAllResetsTheList() {
        for (hierarchy, key) in [(DeviceRule.Hierarchy.v1, "lxc.cgroup.devices"), (.v2, "lxc.cgroup2.devices")] {
            let p = policy(hierarchy, [], ["\(key).allow = a", "\(key).deny = b 7:1 w", "\(key).allow = a", "\(key).deny = b 7:2 w"])
            #expect(p.permits(.block, loop1, [.write]) && !p.permits(.block, loop2, [.write]))
        }
    }
}

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
                    for access: Set<DeviceRule.Access> in [[.read], [.write], [.read, .write]] {
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

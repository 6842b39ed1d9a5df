import Testing
@testable import PassthroughModel

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

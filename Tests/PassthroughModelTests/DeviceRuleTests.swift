import Testing
@testable import PassthroughModel

@Suite("device rules")
struct DeviceRuleTests {
    @Test(arguments: ["c 188:0 rw", "b 7:* r", "c *:* m", "a", "b 259:65536 rwm"])
    func rulesRoundTrip(value: String) throws {
        let parsed = try #require(DeviceRule(key: "lxc.cgroup2.devices.allow", value: value))
        #expect(parsed.value == value)
        #expect(parsed.description == "lxc.cgroup2.devices.allow = \(value)")
    }

    @Test(arguments: ["c 188 rw", "x 1:2 r", "c 1:2 q", "c 1:2", "c a:2 r", "c +1:2 r", "c 1:2:3 r", "c 1: r", "c :2 r", "c 4294967296:0 r", "cc 1:2 r"])
    func badRulesDoNotParse(value: String) {
        #expect(DeviceRule(key: "lxc.cgroup.devices.allow", value: value) == nil)
    }

    @Test func accessLettersComeInAnyOrderAndAreWrittenInLXCs() throws {
        let rule = try #require(DeviceRule(key: "lxc.cgroup.devices.allow", value: "c 1:3 mwrr"))
        #expect(rule.access == .all && rule.value == "c 1:3 rwm")
        #expect(DeviceRule(.v2, .deny, .block, DeviceNumber(major: 7, minor: 0), [.write, .read]).value == "b 7:0 rw")
        #expect(DeviceRule.Access.all.each == [.read, .write, .mknod] && DeviceRule.Access.mknod.letters == "m")
    }

    @Test func otherKeysAreNotRules() {
        #expect(DeviceRule(key: "lxc.cgroup.memory.limit", value: "1") == nil)
        #expect(DeviceRule(key: "lxc.cgroup2.devices.maybe", value: "a") == nil)
    }
}

/// Each case was observed on real LXC 5.0.2 containers (privileged with
/// common.conf = "A", unprivileged with userns.conf's empty lists = "B").

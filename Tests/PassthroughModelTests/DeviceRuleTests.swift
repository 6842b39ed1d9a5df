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

import Testing
@testable import PassthroughModel

@Suite("live rules")
struct LiveRulesTests {
    static let loop = DeviceNumber(major: 7, minor: 0)

    @Test func grantsWhatTheContainerLacksAndRevokesWithTheSameAccess() {
        let common = [DeviceRule(key: "lxc.cgroup2.devices.deny", value: "a")!]
        let device = RulePlanner.Device(type: .block, number: LiveRulesTests.loop, denyWrite: false)
        let granted = LiveRules.grant(device, on: .v2, configured: common)
        #expect(granted == [DeviceRule(.v2, .allow, .block, LiveRulesTests.loop, [.read, .write])])
        #expect(LiveRules.revoking(granted) == [DeviceRule(.v2, .deny, .block, LiveRulesTests.loop, [.read, .write])])
        #expect(LiveRules.grant(device, on: .v2, configured: common + granted).isEmpty, "already allowed: nothing to add")
        #expect(LiveRules.grant(device, on: .v1, configured: []).isEmpty, "v1 allows all by default")
    }

    @Test func revokingKeepsTheAllowAllRule() {
        let granted = [DeviceRule(.v2, .allow, nil, major: nil, minor: nil, access: [.read, .write, .mknod]),
                       DeviceRule(.v2, .deny, .block, LiveRulesTests.loop, [.write])]
        #expect(LiveRules.revoking(granted) == [DeviceRule(.v2, .allow, .block, LiveRulesTests.loop, [.write])])
    }
}

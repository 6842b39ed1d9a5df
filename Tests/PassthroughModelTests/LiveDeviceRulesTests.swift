import Testing
@testable import PassthroughModel

@Suite("device rules in a running container: what to write to give and take back")
struct LiveDeviceRulesTests {
    static let loop0 = DeviceNumber(major: 7, minor: 0), zero = DeviceNumber(major: 1, minor: 5)
    /// userns.conf empties the lists: no rules.
    static let allowsAll: [DeviceRule] = []

    func rules(_ hierarchy: DeviceRule.Hierarchy, _ started: [DeviceRule]) -> LiveDeviceRules {
        LiveDeviceRules(hierarchy: hierarchy, started: started)
    }

    func rule(_ hierarchy: DeviceRule.Hierarchy, _ verdict: DeviceRule.Verdict, _ access: DeviceRule.Access) -> DeviceRule {
        DeviceRule(hierarchy, verdict, .block, LiveDeviceRulesTests.loop0, access)
    }

    /// Gives `goal` to loop0, applies what it returns, checks it is met, and returns what was written.
    func meet(_ state: inout LiveDeviceRules, _ goal: LiveDeviceRules.Goal) throws -> [DeviceRule] {
        let written = try #require(state.changes(toMeet: goal, .block, LiveDeviceRulesTests.loop0))
        state = state.applying(written)
        #expect(state.meets(goal, .block, LiveDeviceRulesTests.loop0))
        return written
    }

    static let revoked = LiveDeviceRules.Goal.revoked(keeping: [])

    @Test(arguments: DeviceRule.Hierarchy.allCases)
    func aContainerThatDeniesByDefaultGetsAnAllowTakenBackWithTheSameAccessString(hierarchy: DeviceRule.Hierarchy) throws {
        var state = rules(hierarchy, commonConfRules)
        #expect(try meet(&state, .passedThrough(readOnly: false)) == [rule(hierarchy, .allow, [.read, .write])])
        // common.conf's own 'b *:* m' keeps mknod of it; read and write go.
        let standing = LiveDeviceRules.standingAccess(.block, LiveDeviceRulesTests.loop0, own: commonConfRules, hierarchy: hierarchy)
        #expect(standing == [.mknod])
        // On v2 a deny switches an allow off only with its own access string ('deny rwm' after 'allow rw' does nothing).
        #expect(try meet(&state, .revoked(keeping: standing)) == [rule(hierarchy, .deny, [.read, .write])])
        #expect(state.policy.permits(.character, DeviceNumber(major: 1, minor: 3), [.read, .write]), "/dev/null keeps its access")
    }

    @Test func onV2AContainerThatAllowsEverythingNeedsTheAllowAllRuleForADenyToBite() throws {
        var state = rules(.v2, LiveDeviceRulesTests.allowsAll)
        #expect(try meet(&state, .passedThrough(readOnly: false)) == [], "everything is allowed: a lone allow would deny the rest")
        let all = DeviceRule(.v2, .allow, nil, major: nil, minor: nil, access: [.read, .write, .mknod])
        #expect(try meet(&state, LiveDeviceRulesTests.revoked) == [all, rule(.v2, .deny, [.read, .write, .mknod])])
        #expect(!state.policy.permits(.block, LiveDeviceRulesTests.loop0, [.read, .write]), "no open of the device at all")
        #expect(state.policy.permits(.character, DeviceNumber(major: 1, minor: 3), [.read, .write]), "every other device still allowed")
        // Given again: the deny switched back with its own access string.
        #expect(try meet(&state, .passedThrough(readOnly: false)) == [rule(.v2, .allow, [.read, .write, .mknod])])
        #expect(try meet(&state, LiveDeviceRulesTests.revoked) == [rule(.v2, .deny, [.read, .write, .mknod])])
    }

    @Test func onV1AContainerThatAllowsEverythingGetsADenyException() throws {
        var state = rules(.v1, LiveDeviceRulesTests.allowsAll)
        #expect(try meet(&state, .passedThrough(readOnly: false)) == [])
        #expect(try meet(&state, LiveDeviceRulesTests.revoked) == [rule(.v1, .deny, [.read, .write, .mknod])])
        #expect(try meet(&state, .passedThrough(readOnly: true)) == [rule(.v1, .allow, [.read])], "w (and m) stay denied")
    }

    @Test func readOnlyInAContainerThatAllowsEverything() throws {
        var v2 = rules(.v2, LiveDeviceRulesTests.allowsAll)
        let all = DeviceRule(.v2, .allow, nil, major: nil, minor: nil, access: [.read, .write, .mknod])
        #expect(try meet(&v2, .passedThrough(readOnly: true)) == [all, rule(.v2, .deny, [.write])])
        #expect(try meet(&v2, LiveDeviceRulesTests.revoked) == [rule(.v2, .deny, [.read, .write, .mknod])])
    }

    @Test(arguments: DeviceRule.Hierarchy.allCases)
    func whatTheContainersOwnRulesGiveIsKept(hierarchy: DeviceRule.Hierarchy) throws {
        let standing = LiveDeviceRules.standingAccess(.character, LiveDeviceRulesTests.zero, own: commonConfRules, hierarchy: hierarchy)
        #expect(standing == [.read, .write, .mknod], "common.conf allows c 1:5 rwm")
        let state = rules(hierarchy, commonConfRules)
        #expect(state.changes(toMeet: .revoked(keeping: standing), .character, LiveDeviceRulesTests.zero) == [])
        #expect(LiveDeviceRules.standingAccess(.block, LiveDeviceRulesTests.loop0, own: [], hierarchy: hierarchy).isEmpty,
                "a container that allows everything gives nothing of its own")
    }

    @Test func aWildcardThatGivesWhatMustBeDeniedCannotBeChanged() {
        let own = commonConfRules + [DeviceRule(key: "lxc.cgroup2.devices.allow", value: "b 7:* rwm")!]
        #expect(rules(.v2, own).changes(toMeet: .passedThrough(readOnly: true), .block, LiveDeviceRulesTests.loop0) == nil)
    }

    @Test func aSwitchedEntryKeepsItsPlaceAndAnAllRuleKeepsTheList() {
        var state = rules(.v2, commonConfRules)
        let count = state.rules.count
        state.apply(rule(.v2, .allow, [.read, .write]))
        state.apply(rule(.v2, .deny, [.read, .write]))
        #expect(state.rules.count == count + 1, "switched, not added")
        state.apply(DeviceRule(.v2, .allow, nil, major: nil, minor: nil, access: [.read, .write, .mknod]))
        #expect(state.rules.count == count + 1 && !state.policy.deniesByDefault, "LXC switches its default and keeps the list")
    }

    @Test func rulesWrittenHalfWayAreRevertedWithTheirOwnAccessStringsAndTheAllRuleStays() {
        let all = DeviceRule(.v2, .allow, nil, major: nil, minor: nil, access: [.read, .write, .mknod])
        let written = [all, rule(.v2, .deny, [.write]), rule(.v2, .allow, [.read])]
        #expect(LiveDeviceRules.reverting(written) == [rule(.v2, .deny, [.read]), rule(.v2, .allow, [.write])])
    }
}

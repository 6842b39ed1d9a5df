import Testing
@testable import PassthroughAdmin
import PassthroughModel

@Suite("what the watcher does to one container (reconcile), against a fake running container")
struct ReconcileTests {
    static let first = DeviceNumber(major: 188, minor: 0), second = DeviceNumber(major: 188, minor: 1)
    static let include = "lxc.include = /common.conf\nlxc.include = /p/passthrough.conf\n"

    /// An administration that finds /dev/serial/by-id/stick as `number` (or nothing).
    func administration(_ scratch: ScratchContainer, stick number: DeviceNumber?) -> Administration {
        Administration(
            container: scratch.container, hierarchy: .v1,
            lookUp: { path in
                if path == "/dev/serial/by-id/stick", let number { return .device(HostDevice(type: .character, number: number)) }
                return .missing("cannot find the device on the host: stat \(path): No such file or directory (ENOENT)")
            },
            readFile: { path throws(ConfigFailure) in
                switch path {
                case "/common.conf": return .text(AdministrationTests.common)
                case "/p/passthrough.conf": return .text("lxc.autodev = 1\n")
                default: throw .missing(path: path, message: "open \(path): No such file or directory (ENOENT)")
                }
            })
    }

    @Test func aDeviceThatCameIsGivenRuleFirstAndTheConfigFollows() throws {
        let scratch = try ScratchContainer(config: ReconcileTests.include + "dev0: /dev/serial/by-id/stick,required=0,mp=/dev/zigbee\n")
        let live = FakeLiveSystem()
        let result = try administration(scratch, stick: ReconcileTests.first).reconcile(live: live, include: "/p/passthrough.conf")
        #expect(live.events.map(\.kind) == ["apply", "place"], "the rule before the node")
        #expect(live.record?.grants.map(\.containerPath) == ["/dev/zigbee"])
        #expect(result.actions.contains("dev0 (/dev/serial/by-id/stick): c 188:0 given at /dev/zigbee, mode 0660"), "\(result.actions)")
        #expect(scratch.config.contains("lxc.cgroup.devices.allow = c 188:0 rw\n"))
        #expect(result.devicePaths == ["/dev/serial/by-id/stick"])
        // Looked at again with nothing changed: nothing is done.
        live.events = []
        let again = try administration(scratch, stick: ReconcileTests.first).reconcile(live: live, include: "/p/passthrough.conf")
        #expect(again.actions.isEmpty && live.events.isEmpty)
    }

    @Test func aRenumberedDeviceIsTakenBackThenGivenAgain() throws {
        let scratch = try ScratchContainer(config: ReconcileTests.include + "dev0: /dev/serial/by-id/stick\n")
        let live = FakeLiveSystem()
        _ = try administration(scratch, stick: ReconcileTests.first).reconcile(live: live, include: "/p/passthrough.conf")
        live.events = []
        let result = try administration(scratch, stick: ReconcileTests.second).reconcile(live: live, include: "/p/passthrough.conf")
        #expect(
            live.events.map(\.kind) == ["apply", "apply", "remove at its path", "place", "remove"],
            "access off, the new rule; the old node out of its path and the new one in (one entry into the container: replace); then the rest of the old node (copies elsewhere)")
        #expect(live.record?.grants.map(\.number) == [ReconcileTests.second])
        #expect(result.actions.contains { $0.hasPrefix("dev0 (/dev/serial/by-id/stick): c 188:0 its path names another device now: access taken back") })
        #expect(!scratch.config.contains("c 188:0 rw") && scratch.config.contains("lxc.cgroup.devices.allow = c 188:1 rw\n"))
    }

    @Test func aCopyOfTheOldNodeThatCannotBeTakenOutIsRecordedAsLeftOnceTheNewOneIsGiven() throws {
        let scratch = try ScratchContainer(config: ReconcileTests.include + "dev0: /dev/serial/by-id/stick\n")
        let live = FakeLiveSystem()
        _ = try administration(scratch, stick: ReconcileTests.first).reconcile(live: live, include: "/p/passthrough.conf")
        live.unreachableElsewhere = ["/keep"]
        let result = try administration(scratch, stick: ReconcileTests.second).reconcile(live: live, include: "/p/passthrough.conf")
        #expect(live.record?.grants.map(\.number) == [ReconcileTests.second], "the new device is given")
        #expect(live.record?.left.map(\.number) == [ReconcileTests.first], "the old one's copy is left, recorded, denied")
        #expect(result.actions.contains { $0.hasSuffix("access taken back, node removed; its node is left at /keep, denied") }, "\(result.actions)")
    }

    @Test func aRenumberedDeviceWhoseOldNodeCannotBeTakenOutIsNotGivenAndTheOldNodeIsRecordedAsLeft() throws {
        let scratch = try ScratchContainer(config: ReconcileTests.include + "dev0: /dev/serial/by-id/stick\n")
        let live = FakeLiveSystem()
        _ = try administration(scratch, stick: ReconcileTests.first).reconcile(live: live, include: "/p/passthrough.conf")
        live.events = []
        live.failRemove = true
        let result = try administration(scratch, stick: ReconcileTests.second).reconcile(live: live, include: "/p/passthrough.conf")
        #expect(live.events.map(\.kind) == ["apply", "apply", "apply"], "access off, the new rule, the new rule undone: \(live.events)")
        #expect(live.record?.grants.isEmpty == true, "nothing is given while the old node holds the path")
        #expect(live.record?.left.map(\.number) == [ReconcileTests.first], "the old node is recorded as left, denied")
        #expect(result.actions.contains { $0.hasPrefix("dev0 (/dev/serial/by-id/stick): access to c 188:0 is taken back, but its node cannot be taken out") },
            "\(result.actions)")
        #expect(result.actions.contains { $0.hasPrefix("dev0 (/dev/serial/by-id/stick): cannot give c 188:1: ") && $0.contains("still holds the node taken back") },
            "\(result.actions)")
    }

    @Test func aRenumberedDeviceWhoseNewNodeCannotBePutInLeavesTheOldOneOutAndTheNewRuleUndone() throws {
        let scratch = try ScratchContainer(config: ReconcileTests.include + "dev0: /dev/serial/by-id/stick\n")
        let live = FakeLiveSystem()
        _ = try administration(scratch, stick: ReconcileTests.first).reconcile(live: live, include: "/p/passthrough.conf")
        live.events = []
        live.failPlace = true
        let result = try administration(scratch, stick: ReconcileTests.second).reconcile(live: live, include: "/p/passthrough.conf")
        #expect(live.events.map(\.kind) == ["apply", "apply", "remove at its path", "apply", "remove"], "\(live.events)")
        #expect(live.record?.grants.isEmpty == true && live.record?.left.isEmpty == true, "the old node is out, the new one not in")
        #expect(result.actions.contains { $0.hasSuffix("its path names another device now: access taken back, node removed") }, "\(result.actions)")
        #expect(result.actions.contains { $0.hasPrefix("dev0 (/dev/serial/by-id/stick): cannot give c 188:1: ") && $0.contains("already exists") },
            "\(result.actions)")
        #expect(live.record?.rules.policy.permits(.character, ReconcileTests.second, .read) == false, "the new rule is undone")
    }

    @Test func theDevicesAreDoneWithoutWritingTheConfigAndTheFollowUpWritesItsRules() throws {
        let scratch = try ScratchContainer(config: ReconcileTests.include + "dev0: /dev/serial/by-id/stick\n")
        let live = FakeLiveSystem()
        _ = try administration(scratch, stick: ReconcileTests.first).reconcile(live: live, include: "/p/passthrough.conf")
        live.holding = [DeviceHolder(hostPID: 4242, containerPID: 7, command: "cat")]
        let administration = try administration(scratch, stick: ReconcileTests.second)
        let (result, followUp) = try administration.reconcileDevices(live: live)
        #expect(live.record?.grants.map(\.number) == [ReconcileTests.second], "the device is given")
        #expect(scratch.config.contains("lxc.cgroup.devices.allow = c 188:0 rw\n"), "the config is not written yet")
        #expect(!result.actions.contains { $0.contains("config:") })
        #expect(followUp.held.map(\.grant.number) == [ReconcileTests.first])
        let actions = try administration.followUp(followUp, live: live, include: "/p/passthrough.conf")
        #expect(scratch.config.contains("lxc.cgroup.devices.allow = c 188:1 rw\n") && !scratch.config.contains("c 188:0 rw"))
        #expect(actions.first == "config: device rules written (2 rule(s))", "\(actions)")
        #expect(actions.contains { $0.hasPrefix("dev0 (/dev/serial/by-id/stick): c 188:0, taken back, is still open by ") }, "\(actions)")
    }

    @Test func aFailedGiveIsToldAndUndoneAndTheRecordStaysTrue() throws {
        let scratch = try ScratchContainer(config: ReconcileTests.include + "dev0: /dev/serial/by-id/stick\n")
        let live = FakeLiveSystem()
        live.failPlace = true
        let result = try administration(scratch, stick: ReconcileTests.first).reconcile(live: live, include: "/p/passthrough.conf")
        #expect(result.actions.contains { $0.hasPrefix("dev0 (/dev/serial/by-id/stick): cannot give c 188:0: ") && $0.contains("already exists") })
        #expect(live.events.count == 2 && live.events.allSatisfy { $0.kind == "apply" }, "the rule given, then taken back: \(live.events)")
        #expect(live.record?.grants.isEmpty ?? true)
    }

    @Test func aStoppedContainerOnlyHasItsRulesFollowTheDevice() throws {
        let scratch = try ScratchContainer(config: ReconcileTests.include + "dev0: /dev/serial/by-id/stick\n")
        let live = FakeLiveSystem()
        live.isRunning = false
        let result = try administration(scratch, stick: ReconcileTests.second).reconcile(live: live, include: "/p/passthrough.conf")
        #expect(live.events.isEmpty && !result.retry)
        #expect(scratch.config.contains("lxc.cgroup.devices.allow = c 188:1 rw\n"))
        #expect(result.actions == ["config: device rules written (2 rule(s))"])
    }

    @Test func aContainerWithoutPassthroughIsLeftAlone() throws {
        let text = "lxc.include = /common.conf\ndev0: /dev/serial/by-id/stick\n"
        let scratch = try ScratchContainer(config: text)
        let live = FakeLiveSystem()
        let result = try administration(scratch, stick: ReconcileTests.first).reconcile(live: live, include: "/p/passthrough.conf")
        #expect(result.actions.isEmpty && live.events.isEmpty && scratch.config == text)
    }
}

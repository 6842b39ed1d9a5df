import Glibc
import Testing
@testable import PassthroughAdmin
import PassthroughModel

@Suite("attach and detach: what they do to a running container, in which order, and undoing it")
struct LiveChangesTests {
    static let loop = DeviceNumber(major: 7, minor: 0)
    static let unprivileged = "lxc.include = /common.conf\nlxc.include = /userns.conf\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n"

    func administration(_ scratch: ScratchContainer, hierarchy: DeviceRule.Hierarchy = .v1) -> Administration {
        let devices = [
            "/dev/loop0": HostLookup.device(HostDevice(type: .block, number: LiveChangesTests.loop)),
            "/dev/null": .device(HostDevice(type: .character, number: DeviceNumber(major: 1, minor: 3))),
            "/dev/sda": .notADevice("is a directory on the host, not a character or block device"),
        ]
        return Administration(
            container: scratch.container, hierarchy: hierarchy,
            lookUp: { devices[$0] ?? .missing("cannot find the device on the host: stat \($0): No such file or directory (ENOENT)") },
            readFile: { path throws(ConfigFailure) in
                switch path {
                case "/common.conf": return .text(AdministrationTests.common)
                case "/userns.conf": return .text(AdministrationTests.userns)
                default: throw .missing(path: path, message: "open \(path): No such file or directory (ENOENT)")
                }
            })
    }

    @Test func attachAddsTheRuleThenTheNodeThenTheEntry() throws {
        let scratch = try ScratchContainer(config: "lxc.include = /common.conf\n")
        let live = FakeLiveSystem()
        let result = try administration(scratch).attach(AttachRequest(path: "/dev/loop0", uid: 1000), live: live, include: "/p/passthrough.conf")
        let rule = DeviceRule(.v1, .allow, .block, LiveChangesTests.loop, [.read, .write])
        #expect(result.key?.description == "dev0")
        #expect(live.events == [
            .apply([rule]),
            .place(DeviceNode(containerPath: "/dev/loop0", type: .block, number: LiveChangesTests.loop, mode: 0o660, hostUID: 1000, hostGID: 0,
                              readOnly: false), root: .init(uid: 0, gid: 0)),
        ])
        #expect(scratch.config.contains("\ndev0: /dev/loop0,uid=1000\n"))
        #expect(scratch.config.contains("lxc.cgroup.devices.allow = b 7:0 rw\n"), "the next start has the rule")
    }

    @Test func temporaryAttachLeavesTheConfigAsItWas() throws {
        let text = "lxc.include = /common.conf\r\n# mine\r\n"
        let scratch = try ScratchContainer(config: text)
        let live = FakeLiveSystem()
        let result = try administration(scratch, hierarchy: .v2).attach(
            AttachRequest(path: "/dev/loop0", denyWrite: true, temporary: true), live: live, include: "/p")
        #expect(result.key == nil && result.sync == nil)
        #expect(live.events.first == .apply([DeviceRule(.v2, .allow, .block, LiveChangesTests.loop, [.read])]))
        #expect(scratch.config == text)
    }

    @Test("refusals before anything is done", arguments: [
        ("/dev/sda", false, "directory"), ("/dev/gone", false, "ENOENT"), ("/etc/passwd", false, "must start with /dev/"),
        ("/dev/loop0", true, "not running"),
    ])
    func refusals(path: String, stopped: Bool, message: String) throws {
        let text = "lxc.include = /common.conf\n"
        let scratch = try ScratchContainer(config: text)
        let live = FakeLiveSystem()
        live.isRunning = !stopped
        #expect { try administration(scratch).attach(AttachRequest(path: path), live: live, include: "/p") } throws: {
            "\($0)".contains(message)
        }
        #expect(live.events.isEmpty)
        #expect(scratch.config == text)
    }

    @Test func anUnmappedUIDIsRefused() throws {
        let scratch = try ScratchContainer(config: LiveChangesTests.unprivileged)
        let live = FakeLiveSystem()
        #expect { try administration(scratch).attach(AttachRequest(path: "/dev/loop0", uid: 70000, temporary: true), live: live, include: "/p") } throws: {
            "\($0)".contains("uid 70000 is not mapped")
        }
        #expect(live.events.isEmpty)
    }

    @Test func aNodeThatCannotBePlacedTakesTheRuleBack() throws {
        let text = "lxc.include = /common.conf\n"
        let scratch = try ScratchContainer(config: text)
        let live = FakeLiveSystem()
        live.failPlace = true
        #expect { try administration(scratch).attach(AttachRequest(path: "/dev/loop0"), live: live, include: "/p") } throws: {
            "\($0)".contains("already exists")
        }
        #expect(live.events == [
            .apply([DeviceRule(.v1, .allow, .block, LiveChangesTests.loop, [.read, .write])]),
            .apply([DeviceRule(.v1, .deny, .block, LiveChangesTests.loop, [.read, .write])]),
        ])
        #expect(scratch.config == text)
    }

    @Test func aRuleThatCannotBeAddedStopsTheAttach() throws {
        let scratch = try ScratchContainer(config: "lxc.include = /common.conf\n")
        let live = FakeLiveSystem()
        live.failApply = true
        #expect(throws: FakeLiveSystem.applyFailure) { try administration(scratch).attach(AttachRequest(path: "/dev/loop0"), live: live, include: "/p") }
        #expect(live.events.isEmpty, "no node without its rule")
    }

    @Test func aConfigThatCannotBeWrittenUndoesTheAttach() throws {
        let text = "lxc.include = /common.conf\n"
        let scratch = try ScratchContainer(config: text)
        scratch.blockConfigWrites()
        let live = FakeLiveSystem()
        #expect { try administration(scratch).attach(AttachRequest(path: "/dev/loop0"), live: live, include: "/p") } throws: {
            "\($0)".hasPrefix("cannot write the container config: openat") && "\($0)".contains("EEXIST")
        }
        let granted = DeviceRule(.v1, .allow, .block, LiveChangesTests.loop, [.read, .write])
        #expect(live.events.map(\.kind) == ["apply", "place", "remove", "apply"])
        #expect(live.events.last == .apply(LiveRules.revoking([granted])), "the rule taken back, after the node")
        #expect(scratch.config == text)
    }

    @Test func aConfigThatCannotBeWrittenUndoesTheDetach() throws {
        let text = "lxc.include = /common.conf\ndev0: /dev/loop0\n"
        let scratch = try ScratchContainer(config: text)
        scratch.blockConfigWrites()
        let live = FakeLiveSystem()
        live.placed["/dev/loop0"] = placedLoop(readOnly: nil)
        #expect { try administration(scratch).detach("dev0", temporary: false, live: live, include: "/p") } throws: {
            "\($0)".hasPrefix("cannot write the container config")
        }
        let revoked = DeviceRule(.v1, .deny, .block, LiveChangesTests.loop, [.read, .write])
        #expect(live.events == [
            .apply([revoked]), .remove("/dev/loop0"),
            .apply(LiveRules.revoking([revoked])),
            .place(placedLoop(readOnly: false), root: .init(uid: 0, gid: 0)),
        ], "the rule and the node are given back")
        #expect(scratch.config == text)
    }

    @Test func unprivilegedDenyWriteIsAHostRootNodeWithoutWriteBits() throws {
        let scratch = try ScratchContainer(config: LiveChangesTests.unprivileged)
        let live = FakeLiveSystem()
        let plain = try administration(scratch, hierarchy: .v2).attach(AttachRequest(path: "/dev/loop0", uid: 5, temporary: true), live: live, include: "/p")
        #expect(plain.rules.isEmpty, "the container allows every device: a lone v2 rule would deny /dev/null")
        #expect(plain.node.hostUID == 100005)
        #expect(live.events.last == .place(plain.node, root: .init(uid: 100000, gid: 100000)), "made in its /dev as its root")
        let readOnly = try administration(scratch, hierarchy: .v2).attach(
            AttachRequest(path: "/dev/loop0", mode: 0o666, uid: 5, denyWrite: true, temporary: true), live: live, include: "/p")
        #expect(readOnly.node.hostUID == 0 && readOnly.node.mode == 0o444 && readOnly.node.readOnly == true)
        #expect(readOnly.rules == [
            DeviceRule(.v2, .allow, nil, major: nil, minor: nil, access: [.read, .write, .mknod]),
            DeviceRule(.v2, .deny, .block, LiveChangesTests.loop, [.write]),
        ])
    }

    func placedLoop(readOnly: Bool?) -> DeviceNode {
        DeviceNode(containerPath: "/dev/loop0", type: .block, number: LiveChangesTests.loop, mode: 0o660, hostUID: 0, hostGID: 0, readOnly: readOnly)
    }

    @Test func detachTakesTheRuleBackThenTheNodeThenTheEntry() throws {
        let scratch = try ScratchContainer(config: "lxc.include = /common.conf\ndev0: /dev/loop0\n")
        let live = FakeLiveSystem()
        live.placed["/dev/loop0"] = placedLoop(readOnly: nil)
        live.holding = [DeviceHolder(hostPID: 900, containerPID: 12, command: "sh")]
        let result = try administration(scratch).detach("dev0", temporary: false, live: live, include: "/p")
        #expect(live.events == [.apply([DeviceRule(.v1, .deny, .block, LiveChangesTests.loop, [.read, .write])]), .remove("/dev/loop0")])
        #expect(result.key?.description == "dev0" && result.holders.count == 1)
        #expect(scratch.config == "lxc.include = /common.conf\n", "the entry and the managed block are gone")
    }

    @Test func detachByPathOfATemporaryNodeUsesTheReadOnlyMark() throws {
        let text = "lxc.include = /common.conf\n"
        let scratch = try ScratchContainer(config: text)
        let live = FakeLiveSystem()
        live.placed["/dev/loop0"] = placedLoop(readOnly: true)
        let result = try administration(scratch, hierarchy: .v2).detach("/dev/loop0", temporary: false, live: live, include: "/p")
        // LXC's v2 list switches an entry only with the same access string as the allow rule.
        #expect(result.rules == [DeviceRule(.v2, .deny, .block, LiveChangesTests.loop, [.read])])
        #expect(result.key == nil)
        #expect(scratch.config == text)
    }

    @Test func temporaryDetachKeepsTheEntry() throws {
        let scratch = try ScratchContainer(config: "lxc.include = /common.conf\ndev0: /dev/loop0,deny-write=1\n")
        let live = FakeLiveSystem()
        live.placed["/dev/loop0"] = placedLoop(readOnly: nil)
        let before = scratch.config
        let result = try administration(scratch).detach("/dev/loop0", temporary: true, live: live, include: "/p")
        #expect(result.rules == [DeviceRule(.v1, .deny, .block, LiveChangesTests.loop, [.read])], "deny-write from the entry")
        #expect(scratch.config == before)
    }

    @Test func aDeviceTheContainersOwnRulesAllowKeepsItsAccess() throws {
        let scratch = try ScratchContainer(config: "lxc.include = /common.conf\n")
        let live = FakeLiveSystem()
        live.placed["/dev/null"] = DeviceNode(containerPath: "/dev/null", type: .character, number: DeviceNumber(major: 1, minor: 3),
                                             mode: 0o666, hostUID: 0, hostGID: 0, readOnly: false)
        let result = try administration(scratch).detach("/dev/null", temporary: true, live: live, include: "/p")
        #expect(result.rules.isEmpty, "common.conf allows c 1:3 itself: detach must not deny it")
    }

    @Test func aNodeThatCannotBeRemovedGetsItsRuleBack() throws {
        let text = "lxc.include = /common.conf\ndev0: /dev/loop0\n"
        let scratch = try ScratchContainer(config: text)
        let live = FakeLiveSystem()
        live.placed["/dev/loop0"] = placedLoop(readOnly: nil)
        live.failRemove = true
        #expect(throws: FakeLiveSystem.removeFailure) { try administration(scratch).detach("dev0", temporary: false, live: live, include: "/p") }
        #expect(live.events == [
            .apply([DeviceRule(.v1, .deny, .block, LiveChangesTests.loop, [.read, .write])]),
            .apply([DeviceRule(.v1, .allow, .block, LiveChangesTests.loop, [.read, .write])]),
        ])
        #expect(scratch.config == text)
    }

    @Test func detachRefusesWhatIsNotThere() throws {
        let scratch = try ScratchContainer(config: "dev0: /dev/loop0\n")
        let live = FakeLiveSystem()
        #expect { try administration(scratch).detach("dev3", temporary: false, live: live, include: "/p") } throws: { "\($0)".contains("no device entry dev3") }
        #expect { try administration(scratch).detach("dev0", temporary: false, live: live, include: "/p") } throws: { "\($0)".contains("is not a device lxc-passthrough put") }
        #expect { try administration(scratch).detach("/etc/passwd", temporary: false, live: live, include: "/p") } throws: { "\($0)".contains("neither a device key") }
        live.isRunning = false
        #expect { try administration(scratch).detach("dev0", temporary: false, live: live, include: "/p") } throws: { "\($0)".contains("not running") }
        #expect(live.events.isEmpty)
        #expect(scratch.config == "dev0: /dev/loop0\n")
    }
}

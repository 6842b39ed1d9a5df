import Glibc
import Testing
@testable import PassthroughCore

/// A running container that records what attach and detach do to it, and fails where told.
final class FakeLiveSystem: LiveSystem {
    enum Event: Equatable {
        case apply([DeviceRule])
        case place(LiveNode)
        case remove(String)
    }

    var events: [Event] = []
    var isRunning = true
    var failApply = false
    var failPlace = false
    var failRemove = false
    /// What `placedNode(at:)` finds, by path.
    var placed: [String: PlacedNode] = [:]
    var holding: [DeviceHolder] = []

    struct Refusal: Error, CustomStringConvertible { var description: String }

    func running(_ container: ManagedContainer) throws -> RunningContainer {
        guard isRunning else { throw AdminError("container '\(container.name)' is not running (LXC says STOPPED)") }
        return RunningContainer(name: container.name, pid: 42, pidfd: nil)
    }

    func apply(_ rules: [DeviceRule], to container: ManagedContainer) throws {
        if failApply && !rules.isEmpty { throw Refusal(description: "lxc-cgroup failed") }
        events.append(.apply(rules))
    }

    func place(_ node: LiveNode, in running: RunningContainer) throws {
        if failPlace { throw Refusal(description: "\(node.containerPath) already exists in container 'ct'") }
        events.append(.place(node))
    }

    func placedNode(at containerPath: String, in running: RunningContainer) throws -> PlacedNode {
        guard let node = placed[containerPath] else { throw AdminError("\(containerPath) in container 'ct' is not a device lxc-passthrough put there") }
        return node
    }

    func remove(at containerPath: String, in running: RunningContainer) throws {
        if failRemove { throw Refusal(description: "umount2 failed") }
        events.append(.remove(containerPath))
    }

    func holders(of type: DeviceType, _ number: DeviceNumber, in running: RunningContainer) -> [DeviceHolder] { holding }
}

/// A container directory of its own under /tmp, with a config file.
final class ScratchContainer {
    let lxcPath: String
    var container: ManagedContainer { ManagedContainer(name: "ct", lxcPath: lxcPath) }
    var configPath: String { container.configPath }

    init(config: String) throws {
        var template = Array("/tmp/lxcpt-live-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw SystemError(call: "mkdtemp", path: "/tmp/lxcpt-live-XXXXXX", errno: errno)
        }
        lxcPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        mkdir(lxcPath + "/ct", 0o700)
        try write(config)
    }

    func write(_ text: String) throws {
        let file = try FileDescriptor.open(configPath, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o640)
        try file.writeAll(Array(text.utf8))
    }

    var config: String { String(decoding: (try? FileSystem.readFile(configPath, limit: 1 << 20)) ?? [], as: UTF8.self) }

    deinit {
        unlink(configPath)
        rmdir(lxcPath + "/ct")
        rmdir(lxcPath)
    }
}

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
            readFile: { path in
                switch path {
                case "/common.conf": return .text(AdministrationTests.common)
                case "/userns.conf": return .text(AdministrationTests.userns)
                default: throw SystemError(call: "open", path: path, errno: ENOENT)
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
            .place(LiveNode(containerPath: "/dev/loop0", type: .block, number: LiveChangesTests.loop, mode: 0o660, hostUID: 1000, hostGID: 0,
                            readOnly: false, rootUID: 0, rootGID: 0)),
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
        #expect(throws: (any Error).self) { try administration(scratch).attach(AttachRequest(path: "/dev/loop0"), live: live, include: "/p") }
        #expect(live.events.isEmpty, "no node without its rule")
    }

    @Test func unprivilegedDenyWriteIsAHostRootNodeWithoutWriteBits() throws {
        let scratch = try ScratchContainer(config: LiveChangesTests.unprivileged)
        let live = FakeLiveSystem()
        let plain = try administration(scratch, hierarchy: .v2).attach(AttachRequest(path: "/dev/loop0", uid: 5, temporary: true), live: live, include: "/p")
        #expect(plain.rules.isEmpty, "the container allows every device: a lone v2 rule would deny /dev/null")
        #expect(plain.node.hostUID == 100005 && plain.node.rootUID == 100000 && plain.node.rootGID == 100000)
        let readOnly = try administration(scratch, hierarchy: .v2).attach(
            AttachRequest(path: "/dev/loop0", mode: 0o666, uid: 5, denyWrite: true, temporary: true), live: live, include: "/p")
        #expect(readOnly.node.hostUID == 0 && readOnly.node.mode == 0o444 && readOnly.node.readOnly)
        #expect(readOnly.rules == [
            DeviceRule(.v2, .allow, nil, major: nil, minor: nil, access: [.read, .write, .mknod]),
            DeviceRule(.v2, .deny, .block, LiveChangesTests.loop, [.write]),
        ])
    }

    func placedLoop(readOnly: Bool?) -> PlacedNode {
        PlacedNode(containerPath: "/dev/loop0", type: .block, number: LiveChangesTests.loop, mode: 0o660, hostUID: 0, hostGID: 0, readOnly: readOnly)
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
        live.placed["/dev/null"] = PlacedNode(containerPath: "/dev/null", type: .character, number: DeviceNumber(major: 1, minor: 3),
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
        #expect(throws: (any Error).self) { try administration(scratch).detach("dev0", temporary: false, live: live, include: "/p") }
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

@Suite("live rules and the mount table")
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

    @Test func mountTableFindsTheTopMountAndUnescapesPaths() {
        let table = MountTable(mountinfo: """
            46 91 0:53 /read-only /dev/loop0 rw,nosuid,noexec,relatime shared:52 - tmpfs lxc-passthrough rw,size=16k
            47 91 0:54 / /dev/my\\040disk rw - tmpfs lxc-passthrough rw
            48 91 0:5 /null /dev/null rw,nosuid - devtmpfs devtmpfs rw
            49 91 0:55 /dev3 /dev/null rw master:1 - tmpfs lxc-passthrough rw
            garbage line
            """)
        #expect(table.entries.count == 4)
        #expect(table.topMount(at: "/dev/loop0")?.root == "/read-only")
        #expect(table.topMount(at: "/dev/my disk")?.source == "lxc-passthrough")
        #expect(table.topMount(at: "/dev/null")?.root == "/dev3", "the last mount at a path is the one on top")
        #expect(table.topMount(at: "/dev/zero") == nil)
    }

    @Test("a field of '-' before the optional fields is not the separator (found by fuzzing)")
    func dashAsMountPoint() {
        let table = MountTable(mountinfo: "46 91 0:53 - - rw shared:1 - tmpfs lxc-passthrough rw\n")
        #expect(table.entries == [MountTable.Entry(root: "-", mountPoint: "-", fileSystemType: "tmpfs", source: "lxc-passthrough")])
    }
}

import Glibc
import Testing
@testable import PassthroughAdmin
import PassthroughModel

@Suite("attach and detach: what they do to a running container, in which order, from the host's record, and undoing it")
struct LiveChangesTests {
    static let loop = DeviceNumber(major: 7, minor: 0), loop1 = DeviceNumber(major: 7, minor: 1)
    static let unprivileged = "lxc.include = /common.conf\nlxc.include = /userns.conf\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n"
    static let unprivilegedMap = IDMap([
        IDMap.Range(kind: .user, containerStart: 0, hostStart: 100000, count: 65536),
        IDMap.Range(kind: .group, containerStart: 0, hostStart: 100000, count: 65536),
    ])

    func administration(_ scratch: ScratchContainer, hierarchy: DeviceRule.Hierarchy = .v1) -> Administration {
        let devices = [
            "/dev/loop0": HostLookup.device(HostDevice(type: .block, number: LiveChangesTests.loop)),
            "/dev/disk/by-id/loop0-link": .device(HostDevice(type: .block, number: LiveChangesTests.loop)),
            "/dev/loop1": .device(HostDevice(type: .block, number: LiveChangesTests.loop1)),
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

    func rule(_ hierarchy: DeviceRule.Hierarchy, _ verdict: DeviceRule.Verdict, _ access: DeviceRule.Access, _ number: DeviceNumber = loop) -> DeviceRule {
        DeviceRule(hierarchy, verdict, .block, number, access)
    }

    static let root = HostIDs(uid: 0, gid: 0)

    // MARK: attach

    @Test func attachGivesTheRuleThenPlacesTheNodeThenRecordsItThenWritesTheEntry() throws {
        let scratch = try ScratchContainer(config: "lxc.include = /common.conf\n")
        let live = FakeLiveSystem()
        let result = try administration(scratch).attach(AttachRequest(path: "/dev/loop0", uid: 1000), live: live, include: "/p/passthrough.conf")
        #expect(result.key?.description == "dev0")
        let node = DeviceNode(containerPath: "/dev/loop0", type: .block, number: LiveChangesTests.loop, mode: 0o660, hostUID: 1000, hostGID: 0,
                              readOnly: false, root: LiveChangesTests.root)
        #expect(live.events == [.apply([rule(.v1, .allow, [.read, .write])]), .place(node)])
        let grant = try #require(live.record?.grants.first)
        #expect(live.record?.grants.count == 1 && grant.key?.description == "dev0" && grant.containerPath == "/dev/loop0" && !grant.readOnly)
        #expect(grant.node.inode == 101, "the identity of the node placed")
        #expect(live.record?.rules.policy.permits(.block, LiveChangesTests.loop, [.read, .write]) == true, "the record knows the rule given")
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
        #expect(live.events.first == .apply([rule(.v2, .allow, [.read])]))
        #expect(live.record?.grants.map(\.key) == [nil] && live.record?.grants.first?.readOnly == true)
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
        #expect(live.events.isEmpty && live.record == nil)
        #expect(scratch.config == text)
    }

    @Test func idsComeFromTheRunningContainerNotFromItsConfig() throws {
        // The config was edited after the start: the kernel still maps the container's ids to 100000.
        let scratch = try ScratchContainer(config: "lxc.idmap = u 0 200000 65536\nlxc.idmap = g 0 200000 65536\n")
        let live = FakeLiveSystem()
        live.idMap = LiveChangesTests.unprivilegedMap
        let result = try administration(scratch).attach(AttachRequest(path: "/dev/loop0", uid: 1000, gid: 20, temporary: true), live: live, include: "/p")
        #expect(result.node.hostUID == 101000 && result.node.hostGID == 100020)
        #expect(result.node.root == HostIDs(uid: 100000, gid: 100000), "what attach makes in /dev belongs to the root it really has")
        #expect { try administration(scratch).attach(AttachRequest(path: "/dev/loop1", uid: 70000, temporary: true), live: live, include: "/p") } throws: {
            "\($0)" == "/dev/loop1: uid 70000 is not mapped to a host uid by the container's lxc.idmap (u 0 100000 65536)"
        }
    }

    @Test func aContainerWhoseRootIsNotMappedIsRefused() throws {
        let scratch = try ScratchContainer(config: "\n")
        let live = FakeLiveSystem()
        live.idMap = IDMap([IDMap.Range(kind: .user, containerStart: 1, hostStart: 100001, count: 10),
                            IDMap.Range(kind: .group, containerStart: 0, hostStart: 100000, count: 10)])
        #expect { try administration(scratch).attach(AttachRequest(path: "/dev/loop0", temporary: true), live: live, include: "/p") } throws: {
            "\($0)".hasPrefix("container 'ct''s root is not mapped to a host user")
        }
        #expect(live.events.isEmpty)
    }

    @Test func aNodeThatCannotBePlacedTakesTheRuleBack() throws {
        let text = "lxc.include = /common.conf\n"
        let scratch = try ScratchContainer(config: text)
        let live = FakeLiveSystem()
        live.failPlace = true
        #expect(throws: AdminError("/dev/loop0 already exists in container 'ct'")) {
            try administration(scratch).attach(AttachRequest(path: "/dev/loop0"), live: live, include: "/p")
        }
        #expect(live.events == [.apply([rule(.v1, .allow, [.read, .write])]), .apply([rule(.v1, .deny, [.read, .write])])])
        #expect(live.record == nil)
        #expect(scratch.config == text)
    }

    @Test func aRuleThatCannotBeAddedStopsTheAttach() throws {
        let scratch = try ScratchContainer(config: "lxc.include = /common.conf\n")
        let live = FakeLiveSystem()
        live.failApply = true
        #expect(throws: FakeLiveSystem.applyFailure) { try administration(scratch).attach(AttachRequest(path: "/dev/loop0"), live: live, include: "/p") }
        #expect(live.events.isEmpty, "no node without its rule")
    }

    @Test func aRecordThatCannotBeSavedUndoesTheAttach() throws {
        let text = "lxc.include = /common.conf\n"
        let scratch = try ScratchContainer(config: text)
        let live = FakeLiveSystem()
        live.failSave = true
        #expect(throws: FakeLiveSystem.saveFailure) { try administration(scratch).attach(AttachRequest(path: "/dev/loop0"), live: live, include: "/p") }
        #expect(live.events.map(\.kind) == ["apply", "place", "remove", "apply"])
        #expect(live.events.last == .apply([rule(.v1, .deny, [.read, .write])]))
        #expect(scratch.config == text)
    }

    @Test func aConfigThatCannotBeWrittenUndoesTheAttach() throws {
        let text = "lxc.include = /common.conf\n"
        let scratch = try ScratchContainer(config: text)
        scratch.blockConfigWrites()
        let live = FakeLiveSystem()
        #expect { try administration(scratch).attach(AttachRequest(path: "/dev/loop0"), live: live, include: "/p") } throws: {
            "\($0)".hasPrefix("cannot write the container config: openat") && "\($0)".contains("EEXIST")
        }
        #expect(live.events.map(\.kind) == ["apply", "place", "remove", "apply"])
        #expect(live.events.last == .apply([rule(.v1, .deny, [.read, .write])]), "the rule taken back, after the node")
        #expect(live.record?.grants.isEmpty == true, "the record as it was before")
        #expect(scratch.config == text)
    }

    @Test func unprivilegedDenyWriteIsAHostRootNodeWithoutWriteBits() throws {
        let scratch = try ScratchContainer(config: LiveChangesTests.unprivileged)
        let live = FakeLiveSystem()
        live.idMap = LiveChangesTests.unprivilegedMap
        let plain = try administration(scratch, hierarchy: .v2).attach(AttachRequest(path: "/dev/loop0", uid: 5, temporary: true), live: live, include: "/p")
        #expect(plain.rules.isEmpty, "the container allows every device: a lone v2 rule would deny /dev/null")
        #expect(plain.node.hostUID == 100005 && plain.node.root == HostIDs(uid: 100000, gid: 100000))
        let readOnly = try administration(scratch, hierarchy: .v2).attach(
            AttachRequest(path: "/dev/loop1", mode: 0o666, uid: 5, denyWrite: true, temporary: true), live: live, include: "/p")
        #expect(readOnly.node.hostUID == 0 && readOnly.node.mode == 0o444 && readOnly.node.readOnly)
        #expect(readOnly.rules == [
            DeviceRule(.v2, .allow, nil, major: nil, minor: nil, access: [.read, .write, .mknod]),
            rule(.v2, .deny, [.write], LiveChangesTests.loop1),
        ])
    }

    // MARK: detach

    /// A container with /dev/loop0 attached as dev0 (read-write), and what was done so far forgotten.
    func attached(_ text: String, hierarchy: DeviceRule.Hierarchy = .v1, live: FakeLiveSystem) throws -> ScratchContainer {
        let scratch = try ScratchContainer(config: text)
        _ = try administration(scratch, hierarchy: hierarchy).attach(AttachRequest(path: "/dev/loop0"), live: live, include: "/p")
        live.events = []
        return scratch
    }

    @Test("detach of one node of a USB entry that gave several refuses to remove the entry, and takes the node out alone with --temporary")
    func detachOfOneNodeOfSeveral() throws {
        let scratch = try ScratchContainer(config: "lxc.include = /common.conf\ndev0: usb=10c4:ea60,nodes=all\n")
        let live = FakeLiveSystem()
        let key = try #require(DeviceKey(index: 0))
        let nodes = [("/dev/bus/usb/001/005", DeviceNumber(major: 189, minor: 4), "dev0"), ("/dev/ttyUSB0", DeviceNumber(major: 188, minor: 0), "dev0.1")]
        let administration = administration(scratch)
        var record = GrantRecord(
            madeAt: live.monitorStartedAt, rules: LiveDeviceRules(hierarchy: .v1, started: []), ownRules: [])
        for (path, number, name) in nodes {
            record.grants.append(GrantRecord.Grant(
                key: key, containerPath: path, type: .character, number: number, readOnly: false,
                node: GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: 0, minor: 50), inode: 2, name: name)))
        }
        live.record = record
        #expect { try administration.detach("dev0", temporary: false, live: live, include: "/p") } throws: {
            "\($0)" == "dev0 gave container 'ct' 2 nodes, and detach takes out one: detach --temporary takes out the node at /dev/ttyUSB0 alone; "
                + "'lxc-passthrough remove' and a restart take out the entry"
        }
        #expect(live.events.isEmpty && live.record?.grants.count == 2, "nothing was done")
        #expect(scratch.config.contains("dev0: usb=10c4:ea60,nodes=all\n"))
        let result = try administration.detach("/dev/ttyUSB0", temporary: true, live: live, include: "/p")
        #expect(result.key == nil, "no entry removed")
        #expect(live.record?.grants.map(\.containerPath) == ["/dev/bus/usb/001/005"])
        #expect(scratch.config.contains("dev0: usb=10c4:ea60,nodes=all\n"), "the entry stays")
    }

    @Test func detachTakesTheRuleBackThenTheNodeThenTheEntry() throws {
        let live = FakeLiveSystem()
        let scratch = try attached("lxc.include = /common.conf\n", live: live)
        live.holding = [DeviceHolder(hostPID: 900, containerPID: 12, command: "sh")]
        let result = try administration(scratch).detach("dev0", temporary: false, live: live, include: "/p")
        #expect(live.events == [.apply([rule(.v1, .deny, [.read, .write])]), .remove("/dev/loop0")])
        #expect(result.key?.description == "dev0" && result.holders.count == 1)
        #expect(live.record?.grants.isEmpty == true)
        #expect(scratch.config == "lxc.include = /common.conf\n", "the entry and the managed block are gone")
    }

    @Test("a container that allows every device: detach denies it for every access (on v2 after the default LXC needs for a deny to bite)",
          arguments: DeviceRule.Hierarchy.allCases)
    func detachRevokesInAContainerThatAllowsEverything(hierarchy: DeviceRule.Hierarchy) throws {
        let live = FakeLiveSystem()
        live.idMap = LiveChangesTests.unprivilegedMap
        let scratch = try attached(LiveChangesTests.unprivileged, hierarchy: hierarchy, live: live)
        let result = try administration(scratch, hierarchy: hierarchy).detach("/dev/loop0", temporary: true, live: live, include: "/p")
        let all = DeviceRule(.v2, .allow, nil, major: nil, minor: nil, access: [.read, .write, .mknod])
        #expect(result.rules == (hierarchy == .v2 ? [all] : []) + [rule(hierarchy, .deny, [.read, .write, .mknod])])
    }

    @Test func detachTakesBackWhatWasGivenEvenWhenTheEntryChangedSince() throws {
        let live = FakeLiveSystem()
        let scratch = try attached("lxc.include = /common.conf\n", hierarchy: .v2, live: live)
        // The entry made read-only while the container ran (remove, then add --deny-write).
        var document = ConfigDocument(scratch.config)
        document.removeDevice(try #require(DeviceKey("dev0")))
        document.addDevice(try #require(DeviceKey("dev0")), value: "/dev/loop0,deny-write=1")
        try scratch.write(document.text)
        let result = try administration(scratch, hierarchy: .v2).detach("dev0", temporary: false, live: live, include: "/p")
        #expect(result.rules == [rule(.v2, .deny, [.read, .write])], "the access string given, not the entry's 'r'")
    }

    @Test func twoGrantsOfOneDeviceKeepItsAccessUntilTheLastGoes() throws {
        let scratch = try ScratchContainer(config: "lxc.include = /common.conf\n")
        let live = FakeLiveSystem()
        let administration = administration(scratch, hierarchy: .v2)
        let first = try administration.attach(AttachRequest(path: "/dev/loop0", temporary: true), live: live, include: "/p")
        let second = try administration.attach(AttachRequest(path: "/dev/disk/by-id/loop0-link", temporary: true), live: live, include: "/p")
        #expect(first.rules == [rule(.v2, .allow, [.read, .write])] && second.rules.isEmpty)
        let one = try administration.detach("/dev/loop0", temporary: true, live: live, include: "/p")
        #expect(one.rules.isEmpty, "the other grant of 7:0 keeps its access")
        let other = try administration.detach("/dev/disk/by-id/loop0-link", temporary: true, live: live, include: "/p")
        #expect(other.rules == [rule(.v2, .deny, [.read, .write])])
    }

    @Test func temporaryDetachKeepsTheEntry() throws {
        let live = FakeLiveSystem()
        let scratch = try attached("lxc.include = /common.conf\n", live: live)
        let before = scratch.config
        let result = try administration(scratch).detach("/dev/loop0", temporary: true, live: live, include: "/p")
        #expect(result.key == nil && result.sync == nil)
        #expect(scratch.config == before)
        #expect(live.record?.withheld == [GrantRecord.Withheld(key: DeviceKey(index: 0)!, path: "/dev/loop0")],
                "the watcher is not to give it back this run")
        // Its entry removed, and the device attached again (the same key): no longer withheld.
        var document = ConfigDocument(scratch.config)
        _ = try administration(scratch).remove(&document, target: "dev0", include: "/p")
        try scratch.write(document.text)
        let again = try administration(scratch).attach(AttachRequest(path: "/dev/loop0"), live: live, include: "/p")
        #expect(again.key == DeviceKey(index: 0))
        #expect(live.record?.withheld.isEmpty == true)
    }

    @Test func aDeviceTheContainersOwnRulesAllowKeepsItsAccess() throws {
        let scratch = try ScratchContainer(config: "lxc.include = /common.conf\n")
        let live = FakeLiveSystem()
        let attached = try administration(scratch).attach(AttachRequest(path: "/dev/null", temporary: true), live: live, include: "/p")
        #expect(attached.rules.isEmpty)
        let result = try administration(scratch).detach("/dev/null", temporary: true, live: live, include: "/p")
        #expect(result.rules.isEmpty, "common.conf allows c 1:3 itself: detach must not deny it")
    }

    @Test func aNodeThatCannotBeRemovedStaysDeniedAndIsRecordedAsLeft() throws {
        let live = FakeLiveSystem()
        let scratch = try attached("lxc.include = /common.conf\n", live: live)
        let text = scratch.config
        let grant = try #require(live.record?.grants.first)
        live.failRemove = true
        #expect { try administration(scratch).detach("dev0", temporary: false, live: live, include: "/p") } throws: {
            "\($0)".hasPrefix("access to b 7:0 is taken back, but its node cannot be taken out of container 'ct': umount2 failed")
        }
        #expect(live.events == [.apply([rule(.v1, .deny, [.read, .write])])], "the deny stays: no allow after it")
        #expect(scratch.config == text, "the entry stays, the transaction having failed")
        let record = try #require(live.record)
        #expect(record.grants.isEmpty)
        #expect(record.left == [grant])
        #expect(record.leftNode(at: "/dev/loop0", orOf: .block, DeviceNumber(major: 7, minor: 0)) == grant)
    }

    @Test func aConfigThatCannotBeWrittenKeepsTheAccessTakenBackAndWithholdsTheEntry() throws {
        let live = FakeLiveSystem()
        let scratch = try attached("lxc.include = /common.conf\n", live: live)
        let text = scratch.config
        scratch.blockConfigWrites()
        #expect { try administration(scratch).detach("dev0", temporary: false, live: live, include: "/p") } throws: {
            "\($0)".hasPrefix("cannot write the container config")
        }
        #expect(live.events == [.apply([rule(.v1, .deny, [.read, .write])]), .remove("/dev/loop0")], "no allow after the deny")
        #expect(scratch.config == text)
        let record = try #require(live.record)
        #expect(record.grants.isEmpty)
        #expect(record.withheld == [GrantRecord.Withheld(key: try #require(DeviceKey(index: 0)), path: "/dev/loop0")], "the watcher does not give it back")
    }

    @Test func detachTakesOnlyWhatTheHostsRecordSaysWasGiven() throws {
        let scratch = try ScratchContainer(config: "lxc.include = /common.conf\ndev0: /dev/loop0\n")
        let live = FakeLiveSystem()
        let refusal = { (what: String) in
            AdminError("\(what) in container 'ct' is not a device lxc-passthrough put there (the host's record of the container has no such grant)")
        }
        let notRecorded = AdminError("dev0 in container 'ct' is not a device lxc-passthrough put there: the host's record of the container "
            + "has no such grant (the entry came after the start, or the container started before lxc-passthrough kept records; "
            + "then only a restart takes the device away)")
        #expect(throws: notRecorded, "an entry added since the start") {
            try administration(scratch).detach("dev0", temporary: false, live: live, include: "/p")
        }
        #expect(throws: refusal("/dev/null")) { try administration(scratch).detach("/dev/null", temporary: false, live: live, include: "/p") }
        #expect { try administration(scratch).detach("/etc/passwd", temporary: false, live: live, include: "/p") } throws: {
            "\($0)".contains("neither a device key")
        }
        // A record an earlier run left (made before this run's monitor started) is not this run's.
        var stale = GrantRecord(madeAt: 10, rules: LiveDeviceRules(hierarchy: .v1, started: []), ownRules: [])
        stale.grants = [GrantRecord.Grant(key: DeviceKey(index: 0), containerPath: "/dev/loop0", type: .block, number: LiveChangesTests.loop,
                                          readOnly: false, node: GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: 0, minor: 1), inode: 2, name: "dev0"))]
        live.record = stale
        #expect(throws: notRecorded) { try administration(scratch).detach("dev0", temporary: false, live: live, include: "/p") }
        live.record?.madeAt = live.monitorStartedAt + 1
        _ = try administration(scratch).detach("dev0", temporary: false, live: live, include: "/p")
        #expect(live.events.last == .remove("/dev/loop0"), "pre-start's record of this run")
        live.isRunning = false
        #expect { try administration(scratch).detach("dev0", temporary: false, live: live, include: "/p") } throws: { "\($0)".contains("not running") }
    }
}

extension LiveChangesTests {
    // MARK: list, from the record

    @Test func listTakesWhatWasGivenFromTheRecordOfThisRun() throws {
        let live = FakeLiveSystem()
        let scratch = try attached("lxc.include = /common.conf\n", live: live)
        _ = try administration(scratch).attach(AttachRequest(path: "/dev/loop1", denyWrite: true, temporary: true), live: live, include: "/p")
        guard case .recorded(let grants, _) = try administration(scratch).recordedGrants(live: live) else {
            Issue.record("a running container with a record of this run")
            return
        }
        #expect(grants.map(\.containerPath) == ["/dev/loop0", "/dev/loop1"])
        live.record?.madeAt = live.monitorStartedAt - 1
        guard case .unrecorded = try administration(scratch).recordedGrants(live: live) else {
            Issue.record("a record of an earlier run is not this run's")
            return
        }
        live.isRunning = false
        guard case .notRunning = try administration(scratch).recordedGrants(live: live) else {
            Issue.record("a stopped container")
            return
        }
    }

    @Test func eachEntryGetsTheGrantOfItsKeyAndDeviceAndTheRestAreRowsOfTheirOwn() {
        let node = GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: 0, minor: 61), inode: 3, name: "dev0")
        let grant = { (key: Int?, path: String, number: DeviceNumber, readOnly: Bool) in
            GrantRecord.Grant(key: key.flatMap { DeviceKey(index: $0) }, containerPath: path, type: .block, number: number, readOnly: readOnly, node: node)
        }
        let reports = [
            DeviceReport(key: "dev0", path: "/dev/loop0", type: .block, number: LiveChangesTests.loop, denyWrite: false, status: .ready),
            // dev1 now names another device than the one given at the start under that key.
            DeviceReport(key: "dev1", path: "/dev/loop1", type: .block, number: LiveChangesTests.loop1, denyWrite: false, status: .ready),
            DeviceReport(key: "dev2", path: "/dev/gone", denyWrite: false, status: .missing),
        ]
        let rows = DeviceReport.adding(given: [
            grant(0, "/dev/loop0", LiveChangesTests.loop, true),
            grant(1, "/dev/old", DeviceNumber(major: 8, minor: 0), false),
            grant(2, "/dev/gone", DeviceNumber(major: 8, minor: 16), false),
            grant(nil, "/dev/temporary", LiveChangesTests.loop1, false),
        ], to: reports)
        #expect(rows.map(\.key) == ["dev0", "dev1", "dev2", "dev1", "-"])
        #expect(rows.map(\.given) == [.readOnly, nil, .readWrite, .readWrite, .readWrite])
        #expect(rows[3].path == "/dev/old" && rows[3].number == DeviceNumber(major: 8, minor: 0) && rows[3].status == .runningOnly)
        #expect(rows[4].path == "/dev/temporary" && rows[4].status == .runningOnly && rows[4].problem?.contains("gone at the next start") == true)
    }
}

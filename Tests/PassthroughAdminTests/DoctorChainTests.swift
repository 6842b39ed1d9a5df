import PassthroughModel
import Testing
@testable import PassthroughAdmin

/// The chain as a pure function of gathered facts: each broken link, its
/// ✗ and fix, and all ✓ when nothing is broken.
@Suite("doctor: the chain judged from facts")
struct DoctorChainTests {
    static let loop = DeviceNumber(major: 7, minor: 3)
    static let identity = GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: 0, minor: 61), inode: 3, name: "dev0")

    /// A ready entry `dev0: /dev/loop3,gid=107` of a running unprivileged container, every link holding.
    static func healthy() -> DoctorFacts {
        var report = DeviceReport(key: "dev0", path: "/dev/loop3", type: .block, number: loop, mode: 0o660, uid: 0, gid: 107,
                                  hostUID: 100000, hostGID: 100107, denyWrite: false, status: .ready)
        report.required = true
        var facts = DoctorFacts(container: "ct", configPath: "/var/lib/lxc/ct/config", report: report, containerPath: "/dev/loop3")
        let map = IDMap([IDMap.Range(kind: .user, containerStart: 0, hostStart: 100000, count: 65536),
                         IDMap.Range(kind: .group, containerStart: 0, hostStart: 100000, count: 65536)])
        let rules = LiveDeviceRules(hierarchy: .v1, started: [
            DeviceRule(.v1, .deny, nil, major: nil, minor: nil, access: .all), DeviceRule(.v1, .allow, .block, loop, [.read, .write]),
        ])
        var probe = DoctorFacts.Probe()
        probe.mode = 0o060660
        probe.type = .block
        probe.number = loop
        probe.hostUID = 100000
        probe.hostGID = 100107
        probe.openErrno = 0
        facts.running = DoctorFacts.Running(
            hierarchy: .v1, idMap: map,
            record: DoctorFacts.Recorded(hierarchy: .v1, grant: GrantRecord.Grant(key: DeviceKey("dev0"), containerPath: "/dev/loop3", type: .block,
                                                                                  number: loop, readOnly: false, node: identity),
                                         withheld: false, rules: rules),
            kernelList: .lines(["b 7:3 rw"]), probe: .success(probe))
        facts.groups = .success(DoctorFacts.GroupFacts(groupName: "render", members: ["jellyfin"], ownerName: "root", source: "/etc/group"))
        facts.udev = .success(DoctorFacts.UdevFacts(hits: [], directories: ["/lib/udev/rules.d"]))
        return facts
    }

    func link(_ facts: DoctorFacts, _ number: Int) -> DoctorLink { DoctorChain.links(facts)[number - 1] }

    func failed(_ facts: DoctorFacts) -> [Int] { DoctorChain.links(facts).filter { $0.verdict == .fail }.map(\.number) }

    @Test func everyLinkHoldsWhenNothingIsBroken() {
        let links = DoctorChain.links(Self.healthy())
        #expect(links.map(\.number) == Array(1...9))
        #expect(links.allSatisfy { $0.verdict == .pass }, "\(links)")
        #expect(DoctorChain.passes(links))
        #expect(links[3].message == "/dev/loop3 inside: b 7:3, mode 0660, owner 0:107")
    }

    @Test func aStoppedContainerSkipsWhatOnlyARunningOneHas() {
        var facts = Self.healthy()
        facts.running = nil
        let links = DoctorChain.links(facts)
        #expect(links.filter { $0.verdict == .skip }.map(\.number) == [4, 5, 9])
        #expect(DoctorChain.passes(links))
    }

    @Test func anInvalidEntryFailsLinkOneAndSkipsWhatNeedsIt() {
        var facts = Self.healthy()
        facts.report = DeviceReport(key: "dev0", path: "/dev/loop3,mode=9", denyWrite: false, status: .invalid, problem: "mode: not octal", subject: "dev0")
        let links = DoctorChain.links(facts)
        #expect(links[0].verdict == .fail && links[0].message == "dev0: mode: not octal")
        #expect(links[0].fix == "edit dev0 in /var/lib/lxc/ct/config (see 'lxc-passthrough check ct')")
        #expect([2, 3, 4, 8, 9].allSatisfy { links[$0 - 1].verdict == .skip }, "\(links)")
    }

    @Test func aDeviceRenumberedSinceTheStartFailsLinkTwoWithSyncAndRestart() {
        var facts = Self.healthy()
        facts.report.number = DeviceNumber(major: 7, minor: 4)
        let host = link(facts, 2)
        #expect(host.verdict == .fail)
        #expect(host.message.contains("is b 7:4 now, but the running container was given b 7:3 under dev0"))
        #expect(host.fix?.hasPrefix("lxc-passthrough sync ct, then restart it: lxc-stop -n ct && lxc-start -n ct") == true)
        #expect(link(facts, 4).message.contains("it is b 7:3, the host path is b 7:4"))
    }

    @Test func aMissingHostDeviceFailsLinkTwo() {
        var facts = Self.healthy()
        facts.report.type = nil
        facts.report.number = nil
        facts.report.status = .missing
        facts.report.problem = "stat /dev/loop3: No such file or directory (ENOENT)"
        #expect(link(facts, 2).verdict == .fail && link(facts, 2).message.hasSuffix("(ENOENT)"))
        #expect(link(facts, 3).verdict == .skip)
    }

    @Test func fixesNameAContainerPathThatIsNotTheDefault() {
        var facts = Self.healthy()
        facts.lxcPath = "/srv/lxc"
        facts.running?.record?.grant = nil
        #expect(link(facts, 9).fix == "restart it: lxc-stop -P /srv/lxc -n ct && lxc-start -P /srv/lxc -n ct")
        facts = Self.healthy()
        facts.lxcPath = "/srv/lxc"
        facts.report.number = DeviceNumber(major: 7, minor: 4)
        #expect(link(facts, 2).fix?.hasPrefix("lxc-passthrough sync -P /srv/lxc ct, then restart it") == true)
    }

    @Test func theConfigsRulesOutOfDateAskForSync() {
        var facts = Self.healthy()
        facts.running = nil
        facts.report.status = .ruleOutOfDate
        #expect(link(facts, 3).verdict == .fail && link(facts, 3).fix == "lxc-passthrough sync ct")
    }

    @Test func aKernelListWithoutTheRuleFailsLinkThreeWithLxcCgroup() {
        var facts = Self.healthy()
        facts.running?.kernelList = .lines(["c 1:3 rwm", "c 1:5 rwm"])
        let rule = link(facts, 3)
        #expect(rule.verdict == .fail && rule.message.contains("taken back by hand (lxc-cgroup)?"))
        #expect(rule.fix == "lxc-cgroup -n ct devices.allow 'b 7:3 rw', or restart it: lxc-stop -n ct && lxc-start -n ct")
        // A list that allows all does not list its denies: link 5 decides.
        facts.running?.kernelList = .lines(["a *:* rwm"])
        #expect(link(facts, 3).verdict == .pass)
    }

    @Test func aRecordWhoseRulesDoNotGiveItFailsLinkThree() {
        var facts = Self.healthy()
        facts.running?.record?.rules = LiveDeviceRules(hierarchy: .v1, started: [DeviceRule(.v1, .deny, nil, major: nil, minor: nil, access: .all)])
        #expect(link(facts, 3).verdict == .fail && link(facts, 3).message.contains("the host's record, cgroup v1"))
    }

    @Test func lxcPassthroughsOwnProgramDenyingItFailsLinkThree() {
        var facts = Self.healthy()
        facts.running?.deniedByOurProgram = true
        let rule = link(facts, 3)
        #expect(rule.verdict == .fail && rule.message.contains("lxc-passthrough's own device program (cgroup v2) denies b 7:3"), "\(rule)")
        #expect(rule.fix == "restart it: lxc-stop -n ct && lxc-start -n ct")
        facts.running?.deniedByOurProgram = false
        #expect(link(facts, 3).verdict == .pass && link(facts, 3).message.contains("lxc-passthrough's own device program (v2)"))
    }

    @Test func theNodeInsideWithAnotherOwnerOrModeFailsLinkFour() {
        var facts = Self.healthy()
        guard case .success(var probe)? = facts.running?.probe else { Issue.record("no probe"); return }
        probe.hostUID = 5_000_000
        probe.mode = 0o060600
        facts.running?.probe = .success(probe)
        let node = link(facts, 4)
        #expect(node.verdict == .fail)
        #expect(node.message.contains("its owner is nobody (host 5000000, outside the id map):107"))
        #expect(node.message.contains("its mode is 0600, the entry asks for 0660"))
        #expect(node.fix == "restart it: lxc-stop -n ct && lxc-start -n ct")
    }

    @Test func noNodeInsideFailsLinkFourAndSkipsTheOpen() {
        var facts = Self.healthy()
        var probe = DoctorFacts.Probe()
        probe.lookupFailure = "openat2(O_PATH) /proc/1/root/dev/loop3: No such file or directory (ENOENT)"
        probe.absent = true
        facts.running?.probe = .success(probe)
        #expect(link(facts, 4).message == "no node at /dev/loop3 inside the container")
        #expect(link(facts, 5).verdict == .skip)
    }

    @Test("an open refused says why, by errno", arguments: [(Int32(1), "the device rules in force deny it"), (13, "its owner and mode deny"),
                                                              (6, "no device answers"), (16, "holds it exclusively")])
    func aRefusedOpenFailsLinkFive(errno: Int32, words: String) {
        var facts = Self.healthy()
        guard case .success(var probe)? = facts.running?.probe else { Issue.record("no probe"); return }
        probe.openErrno = errno
        probe.openError = "errno \(errno)"
        facts.running?.probe = .success(probe)
        #expect(link(facts, 5).verdict == .fail && link(facts, 5).message.contains(words), "\(link(facts, 5))")
        if errno == 1 {
            #expect(link(facts, 5).fix?.hasPrefix("lxc-cgroup -n ct devices.allow 'b 7:3 rw'") == true)
            // On cgroup v2 a rule written by hand may have switched LXC's default: only a restart is offered.
            facts.running?.hierarchy = .v2
            #expect(link(facts, 5).fix == "restart it: lxc-stop -n ct && lxc-start -n ct")
        }
    }

    @Test func aGroupWithoutMembersFailsLinkSixWithUsermod() {
        var facts = Self.healthy()
        facts.groups = .success(DoctorFacts.GroupFacts(groupName: "render", members: [], ownerName: "root", source: "/etc/group"))
        #expect(link(facts, 6).verdict == .fail && link(facts, 6).message.hasPrefix("no account inside is in group render (107)"))
        #expect(link(facts, 6).fix == "inside: usermod -aG render USER (the service's user), then restart the service")
        // A mode that lets every account use it needs no group.
        facts.report.mode = 0o666
        #expect(link(facts, 6).verdict == .pass)
        facts.report.mode = 0o660
        facts.groups = .success(DoctorFacts.GroupFacts(groupName: nil, members: [], ownerName: nil, source: "/etc/group"))
        #expect(link(facts, 6).message.hasPrefix("no group inside has gid 107"))
    }

    @Test func aUdevRuleFailsLinkSeven() {
        var facts = Self.healthy()
        facts.udev = .success(DoctorFacts.UdevFacts(hits: [UdevRules.Hit(file: "/etc/udev/rules.d/60-x.rules", line: 2, text: "KERNEL==\"loop3\", MODE=\"0600\"")],
                                                    directories: ["/etc/udev/rules.d"]))
        #expect(link(facts, 7).verdict == .fail && link(facts, 7).message.hasPrefix("/etc/udev/rules.d/60-x.rules:2 names it"))
    }

    @Test func othersHoldingItFailLinkEight() {
        var facts = Self.healthy()
        facts.others.entries = [.init(container: "ct2", key: "dev4", readOnly: false)]
        facts.others.grants = [.init(container: "ct2", key: "dev4", readOnly: false), .init(container: "ct3", key: "-", readOnly: true)]
        facts.others.hostProcesses = [DeviceHolder(hostPID: 42, containerPID: nil, command: "modem\u{1b}[2J")]
        let others = link(facts, 8)
        #expect(others.verdict == .fail)
        #expect(others.message == "container ct2's dev4 names it; running container ct3 was given it (-); host process host pid 42 (modem\\033[2J) has it open")
        #expect(others.fix == "lxc-passthrough remove ct2 dev4; lxc-passthrough detach ct3 /dev/loop3; stop host pid 42")
    }

    @Test func anEntryAddedOrChangedAfterTheStartFailsLinkNine() {
        var facts = Self.healthy()
        facts.running?.record?.grant = nil
        #expect(link(facts, 9).verdict == .fail && link(facts, 9).message.contains("started before the entry was added"))
        #expect(link(facts, 9).fix == "restart it: lxc-stop -n ct && lxc-start -n ct")
        facts = Self.healthy()
        facts.report.denyWrite = true
        #expect(link(facts, 9).message.contains("it was given read-write, the entry says read-only"))
        facts = Self.healthy()
        facts.running?.record?.withheld = true
        #expect(link(facts, 9).fix == "lxc-passthrough attach ct /dev/loop3")
        facts = Self.healthy()
        facts.running?.record = nil
        #expect(link(facts, 9).verdict == .fail && link(facts, 9).message.hasPrefix("the host has no record of this run"))
    }

    @Test func theTerminalTextEscapesWhatTheContainerChose() {
        var facts = Self.healthy()
        facts.udev = .success(DoctorFacts.UdevFacts(hits: [UdevRules.Hit(file: "/etc/udev/rules.d/x\u{1b}]0;pwned\u{07}.rules", line: 1, text: "KERNEL==\"loop3\", MODE=\"0600\"")],
                                                    directories: []))
        let text = DoctorFormat.text([DoctorFormat.Checked(facts: facts, links: DoctorChain.links(facts))])
        #expect(!text.unicodeScalars.contains { $0 == "\u{1b}" || $0 == "\u{07}" })
        #expect(text.contains("x\\033]0;pwned\\007.rules:1 names it"))
        #expect(text.contains("  ✗ 7 udev: ") && text.contains("\n      fix: inside: remove or change that rule"))
        #expect(text.hasPrefix("ct dev0 (/dev/loop3)\n  ✓ 1 entry: "))
    }
}

@Suite("doctor: udev rules and group members, from the container's text")
struct DoctorTextTests {
    @Test func aRuleNamingTheSubsystemOrNodeAndSettingItsModeIsAHit() {
        let text = """
            # comment KERNEL=="loop3", MODE="0600"
            SUBSYSTEM=="block", KERNEL=="loop[0-9]*", GROUP="disk", MODE="0600"
            SUBSYSTEM=="tty", GROUP="dialout"
            KERNEL=="renderD*", GROUP:="render"
            KERNEL=="loop3", RUN+="/bin/true"
            SUBSYSTEM!="block", MODE="0600"
            """
        let hits = UdevRules.hits(in: text, file: "/etc/udev/rules.d/x.rules", subsystem: "block", nodeName: "loop3")
        #expect(hits.map(\.line) == [2])
        let render = UdevRules.hits(in: text, file: "f", subsystem: "drm", nodeName: "dri/renderD128")
        #expect(render.map(\.line) == [4])
        #expect(UdevRules.hits(in: text, file: "f", subsystem: nil, nodeName: "ttyUSB0").isEmpty, "the tty rule names a subsystem not known here")
    }

    @Test func globsAsUdevMatchesThem() {
        #expect(UdevRules.matches(pattern: "tty[A-Z]*[0-9]", "ttyUSB0"))
        #expect(UdevRules.matches(pattern: "sd?|loop*", "loop12"))
        #expect(!UdevRules.matches(pattern: "loop[!0-9]", "loop1"))
        #expect(!UdevRules.matches(pattern: "sd?", "sda1"))
    }

    @Test func membersAreListedOnesAndThoseWhosePrimaryGroupItIs() {
        let group = Array("root:x:0:\nrender:x:107:jellyfin,plex\n+nis:x:107:nobody\nvideo:x:44:\n".utf8)
        let passwd = Array("root:x:0:0::/root:/bin/sh\nsvc:x:1000:107::/:/bin/sh\n".utf8)
        let facts = DoctorFacts.GroupFacts(group: group, passwd: passwd, gid: 107, uid: 1000, source: "s")
        #expect(facts.groupName == "render" && facts.members == ["jellyfin", "plex", "svc"] && facts.ownerName == "svc")
        let video = DoctorFacts.GroupFacts(group: group, passwd: passwd, gid: 44, uid: 0, source: "s")
        #expect(video.groupName == "video" && video.members.isEmpty && video.ownerName == "root")
    }
}

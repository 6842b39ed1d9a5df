import Testing
@testable import PassthroughAdmin
import PassthroughModel

@Suite("lxc-passthrough's config side")
struct AdministrationTests {
    static let container = ManagedContainer(name: "ct", lxcPath: "/lxc")
    static let common = "lxc.cgroup.devices.deny = a\nlxc.cgroup.devices.allow = c 1:3 rwm\nlxc.cgroup2.devices.deny = a\nlxc.cgroup2.devices.allow = c 1:3 rwm\n"
    static let userns = "lxc.cgroup.devices.deny =\nlxc.cgroup.devices.allow =\nlxc.cgroup2.devices.deny =\nlxc.cgroup2.devices.allow =\n"

    static let devices: [String: HostLookup] = [
        "/dev/ttyUSB0": .device(HostDevice(type: .character, number: DeviceNumber(major: 188, minor: 0))),
        "/dev/ttyUSB1": .device(HostDevice(type: .character, number: DeviceNumber(major: 188, minor: 1))),
        "/dev/loop0": .device(HostDevice(type: .block, number: DeviceNumber(major: 7, minor: 0))),
        "/dev/sda": .notADevice("is a directory on the host, not a character or block device"),
    ]

    func administration(hierarchy: DeviceRule.Hierarchy = .v1, devices: [String: HostLookup] = devices) -> Administration {
        Administration(container: AdministrationTests.container, hierarchy: hierarchy,
                       lookUp: { devices[$0] ?? .missing("cannot find the device on the host: stat \($0): No such file or directory (ENOENT)") },
                       readFile: { path throws(ConfigFailure) in
                           switch path {
                           case "/common.conf": return .text(AdministrationTests.common)
                           case "/userns.conf": return .text(AdministrationTests.userns)
                           case _ where path.hasSuffix("/passthrough.conf"): return .text("lxc.autodev = 1\n")
                           default: throw .missing(path: path, message: "open \(path): No such file or directory (ENOENT)")
                           }
                       })
    }

    @Test func syncWritesAllowRulesForAContainerThatDeniesByDefault() throws {
        var document = ConfigDocument("lxc.include = /common.conf\ndev0: /dev/ttyUSB0\ndev1: /dev/loop0,deny-write=1\n")
        let result = try administration().sync(&document, include: "/inc/passthrough.conf")
        #expect(result.warnings.isEmpty)
        #expect(document.blockContent == [
            "lxc.include = /inc/passthrough.conf",
            "# dev0 /dev/ttyUSB0: c 188:0",
            "# dev1 /dev/loop0: b 7:0 read-only",
            "lxc.cgroup.devices.allow = c 188:0 rw", "lxc.cgroup.devices.allow = b 7:0 r",
            "lxc.cgroup2.devices.allow = c 188:0 rw", "lxc.cgroup2.devices.allow = b 7:0 r",
        ])
    }

    @Test func syncWritesOnlyWriteDenialsForAnUnprivilegedContainer() throws {
        var document = ConfigDocument("lxc.include = /common.conf\nlxc.include = /userns.conf\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\nlxc.include = /x/passthrough.conf\ndev0: /dev/ttyUSB0\ndev1: /dev/loop0,deny-write=1\n")
        _ = try administration().sync(&document, include: "/inc/passthrough.conf")
        #expect(document.blockContent.filter { !$0.hasPrefix("#") } == [
            "lxc.cgroup.devices.deny = b 7:0 w", "lxc.cgroup2.devices.allow = a", "lxc.cgroup2.devices.deny = b 7:0 w",
        ], "no include (one is there), no allow rule that would break /dev/null on v2")
    }

    @Test func syncIsIdempotentAndRemovesTheBlockWithTheLastDevice() throws {
        let text = "# my container\r\nlxc.include = /common.conf\r\ndev0: /dev/ttyUSB0\r\n"
        var document = ConfigDocument(text)
        _ = try administration().sync(&document, include: "/p/passthrough.conf")
        let once = document.text
        _ = try administration().sync(&document, include: "/p/passthrough.conf")
        #expect(document.text == once)
        #expect(once.hasPrefix(text) && once.hasSuffix("\(ConfigDocument.blockEnd)\r\n"))
        _ = try administration().remove(&document, target: "dev0", include: "/p/passthrough.conf")
        #expect(document.text == "# my container\r\nlxc.include = /common.conf\r\n")
    }

    @Test func syncWarnsAboutMissingDevicesAndRefusesInvalidEntries() throws {
        var document = ConfigDocument("lxc.include = /common.conf\ndev0: /dev/ttyUSB0\ndev1: /dev/gone\n")
        let result = try administration().sync(&document, include: "/p/passthrough.conf")
        #expect(result.warnings.count == 1 && result.warnings[0].hasPrefix("dev1 (/dev/gone): cannot find the device"))
        #expect(result.rules.count == 2)
        var bad = ConfigDocument("dev0: /dev/ttyUSB0,mode=777\n")
        #expect { try administration().sync(&bad, include: "/p") } throws: { "\($0)".contains("dev0") && "\($0)".contains("'777'") }
    }

    @Test func addTakesTheLowestFreeKeyAndValidatesLikeTheHooks() throws {
        var document = ConfigDocument("lxc.include = /common.conf\ndev0: /dev/ttyUSB0\ndev2: /dev/loop0\n")
        let (key, _) = try administration().add(&document, NewEntry(path: "/dev/ttyUSB1", mode: 0o600, uid: 1000, gid: nil, denyWrite: true), include: "/p/passthrough.conf")
        #expect(key.description == "dev1")
        #expect(document.deviceLines().map(\.value) == ["/dev/ttyUSB0", "/dev/loop0", "/dev/ttyUSB1,mode=0600,uid=1000,deny-write=1"])
        #expect(document.blockContent.contains("lxc.cgroup2.devices.allow = c 188:1 r"))

        var again = document
        #expect { try administration().add(&again, NewEntry(path: "/dev/ttyUSB1", mode: nil, uid: nil, gid: nil, denyWrite: false), include: "/p") } throws: { "\($0)".contains("same path") }
        #expect { try administration().add(&again, NewEntry(path: "/dev/sda", mode: nil, uid: nil, gid: nil, denyWrite: false), include: "/p") } throws: { "\($0)".contains("directory") }
        #expect { try administration().add(&again, NewEntry(path: "/dev/nope", mode: nil, uid: nil, gid: nil, denyWrite: false), include: "/p") } throws: { "\($0)".contains("ENOENT") }
        #expect { try administration().add(&again, NewEntry(path: "/dev/../etc/passwd", mode: nil, uid: nil, gid: nil, denyWrite: false), include: "/p") } throws: { "\($0)".contains("'..'") }
        #expect(again == document, "a refused add changes nothing")
    }

    @Test func addOfManyEntriesFillsTheFreeKeysInOrderWithOneSyncOrWritesNothing() throws {
        var document = ConfigDocument("lxc.include = /common.conf\ndev1: /dev/ttyUSB0\n")
        let entries = [NewEntry(path: "/dev/ttyUSB1", gid: 44), NewEntry(path: "/dev/loop0", mode: 0o666), NewEntry(path: "/dev/nvidia-uvm", required: false)]
        let (added, sync) = try administration().add(&document, entries, include: "/p/passthrough.conf")
        #expect(added.map(\.key.description) == ["dev0", "dev2", "dev3"])
        #expect(added.map(\.value) == ["/dev/ttyUSB1,gid=44", "/dev/loop0,mode=0666", "/dev/nvidia-uvm,required=0"])
        #expect(sync.rules.map(\.description).contains("lxc.cgroup.devices.allow = b 7:0 rw"))
        #expect(document.blockContent.contains { $0.hasPrefix("# dev3 /dev/nvidia-uvm: pending") })
        #expect(administration().existingKey(for: "/dev/loop0", in: document)?.description == "dev2")
        #expect(administration().existingKey(for: "/dev/loop1", in: document) == nil)

        var again = document
        let refused = [NewEntry(path: "/dev/ttyUSB0"), NewEntry(path: "/dev/nope")]
        #expect { try administration().add(&again, [NewEntry(path: "/dev/loop0", required: false)] + refused, include: "/p") } throws: { "\($0)".contains("/dev/nope") }
        #expect { try administration().add(&again, [NewEntry(path: "/dev/ttyUSB0"), NewEntry(path: "/dev/ttyUSB0")], include: "/p") } throws: { "\($0)".contains("same path") }
        #expect(again == document, "a refused add of many writes none of them")
    }

    @Test func addRefusesAnUnmappedID() {
        var document = ConfigDocument("lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n")
        #expect { try administration().add(&document, NewEntry(path: "/dev/ttyUSB0", mode: nil, uid: 70000, gid: nil, denyWrite: false), include: "/p") } throws: { "\($0)".contains("uid 70000") }
    }

    @Test func keysRunOutAt256() throws {
        var document = ConfigDocument((0...255).map { "dev\($0): /dev/loop0x\($0)" }.joined(separator: "\n") + "\n")
        #expect { try administration().add(&document, NewEntry(path: "/dev/ttyUSB0", mode: nil, uid: nil, gid: nil, denyWrite: false), include: "/p") } throws: { "\($0)".contains("all 256") }
    }

    @Test func removeFindsEntriesByKeyOrPath() throws {
        var document = ConfigDocument("dev0: /dev/ttyUSB0\ndev1: /dev//loop0\n")
        #expect(try administration().remove(&document, target: "/dev/loop0", include: "/p").0.description == "dev1")
        #expect { try administration().remove(&document, target: "dev7", include: "/p") } throws: { "\($0)".contains("no device entry dev7") }
        #expect(try administration().remove(&document, target: "dev0", include: "/p").0.description == "dev0")
        #expect(document.text == "")
    }

    @Test func reportsGiveEveryStatus() throws {
        let document = ConfigDocument("""
            lxc.include = /common.conf
            lxc.idmap = u 0 100000 65536
            lxc.idmap = g 0 100000 65536
            dev0: /dev/ttyUSB0,uid=1000,gid=20
            dev1: /dev/gone
            dev2: /dev/sda
            dev3: /dev/loop0,deny-write=yes,uid=5
            dev4: /dev/ttyUSB1,mode=9
            dev300: /dev/x
            dev0: /dev/ttyUSB1
            \(ConfigDocument.blockBegin)
            lxc.cgroup.devices.allow = c 188:0 rw
            lxc.cgroup.devices.allow = b 7:1 r
            \(ConfigDocument.blockEnd)

            """)
        let reports = try administration().reports(document)
        #expect(reports.map(\.key) == ["dev0", "dev0", "dev1", "dev2", "dev3", "dev4", "dev300"])
        #expect(reports.map(\.status) == [.ready, .invalid, .missing, .notADevice, .ruleOutOfDate, .invalid, .invalid])
        #expect(reports[1].problem?.contains("dev0 is given twice") == true)
        #expect(reports[0].hostUID == 101000 && reports[0].hostGID == 100020 && reports[0].number == DeviceNumber(major: 188, minor: 0))
        #expect(reports[4].hostUID == 0 && reports[4].mode == 0o440, "deny-write in an unprivileged container: host root, no write bits")
        #expect(reports[4].problem?.contains("lxc-passthrough sync ct") == true)
        // check says what pre-start says, in its words.
        #expect(try administration().problems(document) == [
            "invalid container configuration: /lxc/ct/config:10: dev0 is given twice (first at /lxc/ct/config:4)",
            "dev1 (/dev/gone): cannot find the device on the host: stat /dev/gone: No such file or directory (ENOENT)",
            "dev2 (/dev/sda): is a directory on the host, not a character or block device",
            "dev3 (/dev/loop0): the container's device rules (lxc.cgroup.devices) do not give b 7:0 read-only access: run 'lxc-passthrough sync ct'",
            "dev4: '/dev/ttyUSB1,mode=9' (/lxc/ct/config:8): invalid mode '9': expected 0 and three octal digits, such as 0660 (no setuid, setgid or sticky bits)",
            "invalid container configuration: /lxc/ct/config:9: 'dev300' is not a device key: use dev0 to dev255",
        ])
        #expect(try administration(hierarchy: .v2).reports(document)[0].status == .ruleOutOfDate, "no cgroup2 rule for it")
    }

    @Test func checkRefusesTheSamePathAndUnmappedIDsAsPreStartDoes() throws {
        let document = ConfigDocument("lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\ndev0: /dev/ttyUSB0\ndev1: /dev//ttyUSB0\ndev2: /dev/loop0,gid=70000\n")
        #expect(try administration().problems(document) == [
            "dev1 (/dev//ttyUSB0): the same path is already passed through by dev0",
            "dev2 (/dev/loop0): gid 70000 is not mapped to a host gid by the container's lxc.idmap (g 0 100000 65536)",
        ])
    }

    @Test func optionalEntriesArePendingNotProblems() throws {
        var document = ConfigDocument("lxc.include = /common.conf\ndev0: /dev/ttyUSB7,required=0\ndev1: /dev/ttyUSB0,required=0,mp=/dev/zigbee\n")
        let admin = administration()
        // Before sync: dev1 is there but has no rule yet, dev0 is absent; neither is a problem.
        var reports = try admin.reports(document)
        #expect(reports.map(\.status) == [.pending, .pending])
        #expect(reports[1].mountPath == "/dev/zigbee" && !reports[1].required)
        #expect(try admin.problems(document).isEmpty)
        let result = try admin.sync(&document, include: "/inc/passthrough.conf")
        #expect(result.warnings.isEmpty)
        #expect(document.blockContent.contains { $0.hasPrefix("# dev0 /dev/ttyUSB7: pending (required=0): ") })
        #expect(document.blockContent.contains("lxc.cgroup2.devices.allow = c 188:0 rw"))
        reports = try admin.reports(document)
        #expect(reports.map(\.status) == [.pending, .ready])
        #expect(ReportFormat.table(reports).contains("/dev/ttyUSB0 -> /dev/zigbee"))
        #expect(ReportFormat.json(reports).contains("\"required\": false, \"mp\": \"/dev/zigbee\""))
    }

    @Test func addWritesRequiredAndMountPathAndTakesAnAbsentOptionalDevice() throws {
        var document = ConfigDocument("lxc.include = /common.conf\n")
        let admin = administration()
        #expect(throws: AdminError.self) {
            try admin.add(&document, NewEntry(path: "/dev/ttyACM0", mode: nil, uid: nil, gid: nil, denyWrite: false), include: "/p/passthrough.conf")
        }
        let (key, _) = try admin.add(
            &document, NewEntry(path: "/dev/ttyACM0", required: false, mountPath: "/dev/modem"),
            include: "/p/passthrough.conf")
        #expect(key == DeviceKey(index: 0))
        #expect(document.deviceLines().map(\.value) == ["/dev/ttyACM0,required=0,mp=/dev/modem"])
        // Another entry may not take the container path it claimed, nor may mp hold a newline.
        #expect(throws: AdminError.self) {
            try admin.add(&document, NewEntry(path: "/dev/ttyUSB0", mode: nil, uid: nil, gid: nil, denyWrite: false, mountPath: "/dev/modem"), include: "/p/passthrough.conf")
        }
        #expect(throws: AdminError.self) {
            try admin.add(&document, NewEntry(path: "/dev/ttyUSB0", mode: nil, uid: nil, gid: nil, denyWrite: false, mountPath: "/dev/a\nlxc.x=1"), include: "/p/passthrough.conf")
        }
        #expect(document.deviceLines().count == 1)
    }

    @Test func proxmoxHostsAreWarnedOfOurOwnKeys() {
        let document = ConfigDocument("dev0: /dev/ttyUSB0\ndev1: /dev/ttyUSB1,required=0\ndev2: /dev/loop0,mp=/dev/disk0\n")
        let admin = administration()
        #expect(admin.proxmoxKeyWarnings(document, onProxmoxHost: false).isEmpty)
        let warnings = admin.proxmoxKeyWarnings(document, onProxmoxHost: true)
        #expect(warnings.count == 2)
        #expect(warnings[0].hasPrefix("dev1: ") && warnings[0].contains("'required'"))
        #expect(warnings[1].hasPrefix("dev2: ") && warnings[1].contains("'mp'"))
    }

    @Test("a USB entry's keys are among those a Proxmox host is warned of; an entry that does not parse is no warning but a problem")
    func proxmoxHostsAreWarnedOfTheUSBKeys() throws {
        let document = ConfigDocument("dev0: usb=1a6e:089a,usb-port=1-2,nodes=all,required=0\ndev1: serial=X\n")
        let admin = administration()
        let warnings = admin.proxmoxKeyWarnings(document, onProxmoxHost: true)
        #expect(warnings.count == 1)
        #expect(warnings.first?.hasPrefix("dev0: this is a Proxmox VE host, and Proxmox's own tools (pct, the web interface) do not accept "
            + "'required', 'usb', 'usb-port' and 'nodes' in a devN entry") == true, "\(warnings)")
        #expect(try admin.problems(document).contains { $0.contains("dev1") && $0.contains("'serial' without 'usb' or 'usb-port'") })
    }

    @Test("sync refuses an entry that does not parse, naming its key and the failure")
    func syncNamesAnEntryThatDoesNotParse() {
        var document = ConfigDocument("dev0: /dev/ttyUSB0\ndev1: usb=1a6e:089a,mp=/dev/coral\n")
        #expect { try administration().sync(&document, include: "/p") } throws: {
            "\($0)" == "dev1: 'usb=1a6e:089a,mp=/dev/coral': 'mp' cannot be combined with 'usb': an entry selects a device by its path or as a USB device, "
                + "and a USB device's nodes go at the paths udev gives them"
        }
    }

    @Test("add refuses a serial it cannot write (a property string has no escaping)")
    func addRefusesASerialWithAComma() throws {
        var document = ConfigDocument("arch: amd64\n")
        let selector = try USBSelector.parse(identities: "1a6e:089a", serial: "A,B")
        #expect { try administration().add(&document, NewEntry(selector: .usb(selector, nodes: .usb)), include: "/p") } throws: {
            "\($0)" == "serial 'A,B' holds a ',', which a devN value cannot hold (it has no escaping)"
        }
        #expect(document.deviceLines().isEmpty)
    }

    @Test func defaultLXCPathComesFromLXCsConfig() {
        #expect(ManagedContainer.defaultLXCPath(globalConfig: "/nonexistent/lxc.conf") == "/var/lib/lxc")
        #expect(ManagedContainer.problem(name: "../etc") != nil && ManagedContainer.problem(name: "ct-1") == nil)
    }
}

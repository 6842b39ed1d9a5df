import Foundation
import Glibc
import Testing

extension EndToEndTests {
@Suite("USB devices by identity in real containers (a stand-in sysfs)", .enabled(if: EndToEnd.canRunContainers, EndToEnd.skipReason))
struct USBDeviceTests {
    /// An adapter on 1-2 (10c4:ea60, serial E2E1, address 5: /dev/bus/usb/001/005, 189:4) with a
    /// tty node that has /dev/zero's numbers, so that it works in the container; its twin on 1-3
    /// (serial E2E2, address 6).
    static func withStandIn(_ body: (USBStandIn) throws -> Void) throws {
        let standIn = try USBStandIn()
        defer { standIn.remove() }
        let adapter = try standIn.device("1-2", vendor: "10c4", product: "ea60", serial: "E2E1", address: 5)
        try standIn.node(adapter + "/1-2:1.0/ttyUSB7/tty/ttyUSB7", major: 1, minor: 5, name: "ttyUSB7", subsystem: "tty")
        try standIn.device("1-3", vendor: "10c4", product: "ea60", serial: "E2E2", address: 6)
        try body(standIn)
    }

    /// Once pre-start has read the stand-in, the monitor's namespace lets it go: the container is
    /// made from that namespace, and an unprivileged one may mount sysfs only where no mount hides
    /// part of it (the kernel's mount_too_revealing). This hook runs after passthrough.conf's (LXC adds the
    /// container's name and the hook's section and type as arguments: sh takes them as $0 and on).
    static let dropStandIn = "lxc.hook.pre-start = sh -c 'umount /sys/bus'"

    @Test("a USB entry's nodes are found in sysfs at start, given at their udev paths with the mode and owner asked for, and work",
          arguments: ContainerKind.runnable)
    func usbEntryAtStart(kind: ContainerKind) throws {
        let unprivileged = kind.unprivileged
        try Self.withStandIn { standIn in
            try withContainer("usb", unprivileged: unprivileged, firstLines: kind.firstLines) { ct in
                try ct.append(
                    "dev0: usb=10c4:ea60,serial=E2E1,nodes=all,mode=0640,uid=1000,gid=20",
                    "dev1: usb=1a6e:089a;18d1:9302,required=0",
                    "dev2: usb-port=1-3,deny-write=1",
                    Self.dropStandIn)
                let synced = standIn.running([EndToEnd.command, "sync", ct.name])
                try #require(synced.succeeded, "sync failed: \(synced)")
                let config = try String(contentsOfFile: ct.configPath, encoding: .utf8)
                for comment in ["# dev0 (usb 10c4:ea60 serial E2E1) /dev/bus/usb/001/005: c 189:4", "# dev0 (usb 10c4:ea60 serial E2E1) /dev/ttyUSB7: c 1:5",
                                "# dev2 (usb port 1-3) /dev/bus/usb/001/006: c 189:5 read-only",
                                "# dev1 (usb 1a6e:089a;18d1:9302): pending (required=0): no USB device matches 1a6e:089a;18d1:9302 now"] {
                    #expect(config.contains(comment + "\n"), "sync saw the nodes matched now: \(comment)\n\(config)")
                }
                if kind == .privilegedCommon {
                    // common.conf denies by default: sync allows what the entries need (userns.conf allows all, and needs none).
                    for rule in ["c 189:4 rw", "c 1:5 rw", "c 189:5 r"] {
                        #expect(config.contains("lxc.cgroup.devices.allow = \(rule)\n") && config.contains("lxc.cgroup2.devices.allow = \(rule)\n"),
                                "sync wrote the rule \(rule) for a node matched now:\n\(config)")
                    }
                }

                let started = standIn.start(ct)
                try #require(started.succeeded, "start failed: \(started)\n\(ct.log)")
                #expect(ct.state == "RUNNING")
                #expect(ct.describe("/dev/bus/usb/001/005") == expected("character special file", 189, 4, mode: "640", uid: 1000, gid: 20))
                #expect(ct.describe("/dev/ttyUSB7") == expected("character special file", 1, 5, mode: "640", uid: 1000, gid: 20))
                if !unprivileged {
                    #expect(ct.describe("/dev/bus/usb/001/006") == expected("character special file", 189, 5, mode: "660", uid: 0, gid: 0))
                } else {
                    // Unprivileged, a deny-write node belongs to the host's root (nobody inside) and has no write bits.
                    #expect(ct.describe("/dev/bus/usb/001/006") == expected("character special file", 189, 5, mode: "440", uid: 65534, gid: 0))
                }
                #expect(ct.attach("head -c 4 /dev/ttyUSB7 | od -An -tx1").output.trimmingCharacters(in: .whitespacesAndNewlines) == "00 00 00 00")
                #expect(ct.attach("echo x > /dev/ttyUSB7").succeeded, "the node works, and its rule allows writing")
                #expect(ct.log.contains("dev1 (usb 1a6e:089a;18d1:9302): no USB device matches 1a6e:089a;18d1:9302 now; optional (required=0): pending"),
                        "\(ct.log)")
                #expect(!ct.attach("[ -e /dev/bus/usb/001/007 ]").succeeded, "nothing else is given")
                // The host's record: a grant for each node, under its entry's key.
                let record = try grantRecordLines(of: ct)
                if let claimed = EndToEnd.claimedCgroup {
                    #expect(record.contains("hierarchy \(claimed)"), "the container ran on the hierarchy this run claims: \(record)")
                }
                let grants = record.filter { $0.hasPrefix("grant ") }.map { $0.split(separator: " ") }
                    .map { fields in [fields[1], fields[2], fields[3], fields[4], fields[5], fields[8], fields[9]].joined(separator: " ") }
                #expect(grants == [
                    "dev0 c 189 4 rw dev0 /dev/bus/usb/001/005", "dev0 c 1 5 rw dev0.1 /dev/ttyUSB7", "dev2 c 189 5 r dev2 /dev/bus/usb/001/006",
                ], "\(record)")
            }
        }
    }

    @Test("add --usb writes the entry, check and list say what it matches now, and the start gives it")
    func addCheckListAndStart() throws {
        try Self.withStandIn { standIn in
            try withContainer("usbadd", unprivileged: false, firstLines: ContainerKind.privilegedCommon.firstLines) { ct in
                try ct.append(Self.dropStandIn)
                let refused = standIn.running([EndToEnd.command, "add", ct.name, "--usb", "1a6e:089a", "--usb", "18d1:9302"])
                #expect(!refused.succeeded && refused.error.contains("usb 1a6e:089a;18d1:9302: no USB device matches 1a6e:089a;18d1:9302 now"),
                        "\(refused)")
                let added = standIn.running([EndToEnd.command, "add", ct.name, "--usb", "10c4:ea60:E2E1", "--nodes", "all", "--gid", "20"])
                try #require(added.succeeded, "\(added)")
                #expect(added.output.contains("\(ct.name): added dev0: usb=10c4:ea60,serial=E2E1,nodes=all,gid=20"), "\(added)")
                let checked = standIn.running([EndToEnd.command, "check", ct.name])
                #expect(checked.succeeded, "\(checked)")
                #expect(checked.output.contains("\(ct.name): dev0 (usb 10c4:ea60 serial E2E1) matches /dev/bus/usb/001/005 (c 189:4), /dev/ttyUSB7 (c 1:5)"),
                        "\(checked)")
                let listed = standIn.running([EndToEnd.command, "list", ct.name])
                #expect(listed.output.contains("usb 10c4:ea60 serial E2E1 -> /dev/ttyUSB7"), "\(listed)")
                let started = standIn.start(ct)
                try #require(started.succeeded, "start failed: \(started)\n\(ct.log)")
                #expect(ct.describe("/dev/ttyUSB7") == expected("character special file", 1, 5, mode: "660", uid: 0, gid: 20))
                #expect(ct.attach("echo x > /dev/ttyUSB7").succeeded)
            }
        }
    }

    @Test("a required USB entry no device matches refuses the start, naming the entry")
    func requiredUSBEntryWithNoMatchRefusesTheStart() throws {
        try Self.withStandIn { standIn in
            try withContainer("usbnone", unprivileged: false) { ct in
                try ct.append("dev4: usb-port=1-9", Self.dropStandIn)
                let started = standIn.start(ct)
                #expect(!started.succeeded || ct.state != "RUNNING", "\(started)")
                #expect(ct.log.contains("dev4 (usb port 1-9): no USB device matches port 1-9 now"), "\(ct.log)")
            }
        }
    }
}
}

/// The lines of the host's record of what a running container was given (`/run/lxc-passthrough/DEV-INO.grants`).
func grantRecordLines(of ct: Container) throws -> [String] {
    var info = stat()
    try #require(lstat(ct.directory, &info) == 0, "\(ct.directory)")
    let text = try String(contentsOfFile: "/run/lxc-passthrough/\(info.st_dev)-\(info.st_ino).grants", encoding: .utf8)
    return text.split(separator: "\n").map(String.init)
}

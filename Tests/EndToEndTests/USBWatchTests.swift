import Foundation
import Glibc
import Testing

extension USBStandIn {
    /// What the kernel says when the device at `port` (bus 1, `address`) comes or goes: only a hint
    /// to the watcher, which reads the stand-in.
    func announceDevice(_ action: String, port: String, address: Int, vendor: String, product: String) throws {
        let number = String(repeating: "0", count: 3 - String(address).count) + String(address)
        try HostUevent.send(action, "/" + USBStandIn.bus1 + "/" + port, [
            ("SUBSYSTEM", "usb"), ("MAJOR", "189"), ("MINOR", "\(address - 1)"), ("DEVNAME", "bus/usb/001/" + number), ("DEVTYPE", "usb_device"),
            ("PRODUCT", "\(USBStandIn.trimmed(vendor))/\(USBStandIn.trimmed(product))/100"), ("BUSNUM", "001"), ("DEVNUM", number),
        ])
    }

    /// What the kernel says when a node below a device (`directory`, relative to the root) comes or goes.
    func announceNode(_ action: String, _ directory: String, name: String, major: Int, minor: Int, subsystem: String) throws {
        try HostUevent.send(action, "/" + directory, [("SUBSYSTEM", subsystem), ("MAJOR", "\(major)"), ("MINOR", "\(minor)"), ("DEVNAME", name)])
    }
}

extension EndToEndTests {
@Suite("the watcher follows USB entries by what the devices are (a stand-in sysfs, uevents sent as the kernel's)",
       .enabled(if: EndToEnd.canRunContainers && EndToEnd.hasCommand, "needs root, lxc, busybox-static, the hooks and lxc-passthrough installed"))
struct USBWatchTests {
    /// How `stat` shows a character device of that number in the container (`%F %t:%T`).
    static func characterDevice(_ major: Int, _ minor: Int) -> String {
        "character special file \(String(major, radix: 16)):\(String(minor, radix: 16)) "
    }

    /// Waits until the watcher has said nothing for 0.8 s (at most 10 s): what it does after a
    /// device event is then that event's doing, not a look still running from an earlier one
    /// (its config's rules block rewritten after a give makes it look again).
    static func quiet(_ watcher: WatcherProcess) {
        var last = watcher.log, stable = 0
        for _ in 0..<100 {
            usleep(100_000)
            let now = watcher.log
            if now == last { stable += 1 } else { (last, stable) = (now, 0) }
            if stable >= 8 { return }
        }
    }

    /// Whether opening `path` in the container gets past its device rules: the device itself is
    /// not on this host (no USB), so an open the rules allow fails with ENXIO, one they deny with EPERM.
    static func rulesAllow(_ ct: Container, _ path: String) -> Bool {
        let opened = ct.attach("exec 3< '\(path)'")
        return !opened.succeeded && (opened.output + opened.error).contains("No such device or address")
    }

    /// The messages the container's listener heard whose DEVNAME is `name`, with `action`.
    static func heard(_ ct: Container, _ action: String, _ name: String) -> [[String: String]] {
        HotplugEventTests.heard(ct).filter { $0["ACTION"] == action && $0["DEVNAME"] == name }
    }

    /// The watcher in the stand-in's namespace, started before the container; the container started there
    /// with its listener; returns once the listener runs and the watcher has read what pre-start gave.
    static func startWatched(_ ct: Container, _ standIn: USBStandIn) throws -> WatcherProcess {
        try HotplugEventTests.listen(ct)
        // common.conf denies by default: the rules the start needs are written first (pre-start refuses without them).
        let synced = standIn.running([EndToEnd.command, "sync", ct.name])
        try #require(synced.succeeded, "sync failed: \(synced)")
        let watcher = try WatcherProcess(commandLine: standIn.inNamespace([EndToEnd.command, "watch"]))
        let started = standIn.start(ct)
        try #require(started.succeeded, "start failed: \(started)\n\(ct.log)")
        try #require(eventually { ct.attach("ps | grep -q '[b]usybox uevent'").succeeded }, "the listener runs")
        // The watcher reads what pre-start gave from sysfs once it sees the container's record.
        try #require(eventually { watcher.log.contains(ct.name) || ct.state == "RUNNING" })
        quiet(watcher)
        return watcher
    }

    @Test("a replug at a new address, the Coral enumerated again under its second pair, and an identical device told apart by serial and by port",
          arguments: ContainerKind.runnable)
    func identitiesFollowed(kind: ContainerKind) throws {
        let standIn = try USBStandIn()
        defer { standIn.remove() }
        try standIn.device("1-2", vendor: "10c4", product: "ea60", serial: "E2E1", address: 5)
        try standIn.device("1-3", vendor: "10c4", product: "ea60", serial: "E2E2", address: 6)
        try standIn.device("1-6", vendor: "1a6e", product: "089a", serial: nil, address: 10)
        try withContainer("usbwatch", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
            try ct.append(
                "dev0: usb=10c4:ea60,serial=E2E1", "dev1: usb=10c4:ea60,usb-port=1-4,required=0", "dev2: usb=1a6e:089a;18d1:9302",
                USBDeviceTests.dropStandIn)
            let watcher = try Self.startWatched(ct, standIn)
            defer { watcher.stop() }
            #expect(ct.describe("/dev/bus/usb/001/005").hasPrefix(Self.characterDevice(189, 4)), "given at start")
            #expect(ct.describe("/dev/bus/usb/001/010").hasPrefix(Self.characterDevice(189, 9)), "the Coral, given at start")
            #expect(ct.lacks("/dev/bus/usb/001/006"), "the twin with another serial is not given")

            // Pulled out and plugged in again: the kernel gives it the next address, 7.
            try standIn.unplug("1-2")
            try standIn.announceDevice("remove", port: "1-2", address: 5, vendor: "10c4", product: "ea60")
            #expect(eventually { ct.lacks("/dev/bus/usb/001/005") }, "taken back: \(watcher.log)")
            Self.quiet(watcher)
            try standIn.device("1-2", vendor: "10c4", product: "ea60", serial: "E2E1", address: 7)
            try standIn.announceDevice("add", port: "1-2", address: 7, vendor: "10c4", product: "ea60")
            #expect(eventually { ct.describe("/dev/bus/usb/001/007").hasPrefix(Self.characterDevice(189, 6)) }, "given at its new address: \(watcher.log)")
            #expect(Self.rulesAllow(ct, "/dev/bus/usb/001/007"), "its device rule is written: \(ct.attach("exec 3< /dev/bus/usb/001/007"))")

            // The Coral loads its firmware: it leaves, and comes back as 18d1:9302 at address 11.
            Self.quiet(watcher)
            try standIn.unplug("1-6")
            try standIn.announceDevice("remove", port: "1-6", address: 10, vendor: "1a6e", product: "089a")
            #expect(eventually { ct.lacks("/dev/bus/usb/001/010") }, "\(watcher.log)")
            Self.quiet(watcher)
            try standIn.device("1-6", vendor: "18d1", product: "9302", serial: nil, address: 11)
            try standIn.announceDevice("add", port: "1-6", address: 11, vendor: "18d1", product: "9302")
            #expect(eventually { ct.describe("/dev/bus/usb/001/011").hasPrefix(Self.characterDevice(189, 10)) }, "the Coral's second pair: \(watcher.log)")
            #expect(eventually { ct.lacks("/dev/bus/usb/001/010") }, "\(watcher.log)")

            // An identical adapter on 1-5 is not the one pinned to 1-4; on 1-4 it is.
            Self.quiet(watcher)
            try standIn.device("1-5", vendor: "10c4", product: "ea60", serial: "E2E3", address: 8)
            try standIn.announceDevice("add", port: "1-5", address: 8, vendor: "10c4", product: "ea60")
            try standIn.device("1-4", vendor: "10c4", product: "ea60", serial: "E2E3", address: 9)
            try standIn.announceDevice("add", port: "1-4", address: 9, vendor: "10c4", product: "ea60")
            #expect(eventually { ct.describe("/dev/bus/usb/001/009").hasPrefix(Self.characterDevice(189, 8)) }, "given to dev1: \(watcher.log)")
            #expect(ct.lacks("/dev/bus/usb/001/008"), "the one on 1-5 was looked at first, and given to nobody: \(watcher.log)")
            #expect(ct.lacks("/dev/bus/usb/001/006"), "\(watcher.log)")
            #expect(!ct.describe("/dev/bus/usb/001/007").isEmpty, "dev0 keeps its device")

            if kind.unprivileged {
                for (action, name) in [("remove", "bus/usb/001/005"), ("add", "bus/usb/001/007"), ("remove", "bus/usb/001/010"),
                                       ("add", "bus/usb/001/011"), ("add", "bus/usb/001/009")] {
                    #expect(eventually { !Self.heard(ct, action, name).isEmpty }, "\(action) \(name): \(HotplugEventTests.heard(ct))\n\(watcher.log)")
                }
                let add = try #require(Self.heard(ct, "add", "bus/usb/001/007").first)
                #expect(add["DEVPATH"] == "/" + USBStandIn.bus1 + "/1-2" && add["SUBSYSTEM"] == "usb" && add["DEVTYPE"] == "usb_device"
                        && add["MAJOR"] == "189" && add["MINOR"] == "6" && add["PRODUCT"] == "10c4/ea60/100" && add["TYPE"] == "0/0/0"
                        && add["BUSNUM"] == "001" && add["DEVNUM"] == "007", "what sysfs says of it: \(add)")
                let coral = try #require(Self.heard(ct, "add", "bus/usb/001/011").first)
                #expect(coral["PRODUCT"] == "18d1/9302/100", "\(coral)")
                let removed = try #require(Self.heard(ct, "remove", "bus/usb/001/005").first)
                #expect(removed["DEVPATH"] == "/" + USBStandIn.bus1 + "/1-2" && removed["PRODUCT"] == "10c4/ea60/100", "read when it was given: \(removed)")
                #expect(Self.heard(ct, "add", "bus/usb/001/008").isEmpty && Self.heard(ct, "add", "bus/usb/001/006").isEmpty)
                #expect(!watcher.log.contains("not told"), "\(watcher.log)")
            } else {
                // Its network namespace hears the kernel's own events; the watcher sends it none of its own.
                Thread.sleep(forTimeInterval: 0.3)
                #expect(!HotplugEventTests.heard(ct).contains { $0["DEVNAME"]?.hasPrefix("bus/usb/") == true }, "\(HotplugEventTests.heard(ct))")
            }
            #expect(watcher.stops(within: 10))
        }
    }

    @Test("nodes=all: an interface's node that comes is given, one that goes is taken back, and the container hears of each",
          arguments: ContainerKind.runnable)
    func compositeNodesFollowed(kind: ContainerKind) throws {
        let standIn = try USBStandIn()
        defer { standIn.remove() }
        let adapter = try standIn.device("1-2", vendor: "10c4", product: "ea60", serial: "E2E1", address: 5)
        let tty = adapter + "/1-2:1.0/ttyUSB7/tty/ttyUSB7"
        try standIn.node(tty, major: 188, minor: 7, name: "ttyUSB7", subsystem: "tty")
        try withContainer("usbnodes", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
            try ct.append("dev0: usb-port=1-2,nodes=all", USBDeviceTests.dropStandIn)
            let watcher = try Self.startWatched(ct, standIn)
            defer { watcher.stop() }
            #expect(ct.describe("/dev/bus/usb/001/005").hasPrefix(Self.characterDevice(189, 4)))
            #expect(ct.describe("/dev/ttyUSB7").hasPrefix(Self.characterDevice(188, 7)))

            // A driver binds to another interface: a hidraw node below the device.
            let hidraw = adapter + "/1-2:1.1/0003:10C4:EA60.0001/hidraw/hidraw3"
            Self.quiet(watcher)
            try standIn.node(hidraw, major: 241, minor: 3, name: "hidraw3", subsystem: "hidraw")
            try standIn.announceNode("add", hidraw, name: "hidraw3", major: 241, minor: 3, subsystem: "hidraw")
            #expect(eventually { ct.describe("/dev/hidraw3").hasPrefix(Self.characterDevice(241, 3)) }, "given: \(watcher.log)")
            #expect(Self.rulesAllow(ct, "/dev/hidraw3"), "its device rule is written: \(ct.attach("exec 3< /dev/hidraw3"))")
            // The tty's interface goes (its driver unbound): its node is taken back, the others stay.
            try standIn.removeDirectory(adapter + "/1-2:1.0")
            try standIn.announceNode("remove", tty, name: "ttyUSB7", major: 188, minor: 7, subsystem: "tty")
            #expect(eventually { ct.lacks("/dev/ttyUSB7") }, "taken back: \(watcher.log)")
            #expect(ct.describe("/dev/bus/usb/001/005").hasPrefix(Self.characterDevice(189, 4)) && ct.describe("/dev/hidraw3").hasPrefix(Self.characterDevice(241, 3)))
            // An unrelated node's event (not below a USB device) makes the watcher look at nothing.
            try HostUevent.send("add", "/devices/virtual/misc/lxcpt-e2e", [("SUBSYSTEM", "misc"), ("MAJOR", "10"), ("MINOR", "250"), ("DEVNAME", "lxcpt-e2e")])

            if kind.unprivileged {
                #expect(eventually { !Self.heard(ct, "add", "hidraw3").isEmpty && !Self.heard(ct, "remove", "ttyUSB7").isEmpty },
                        "\(HotplugEventTests.heard(ct))\n\(watcher.log)")
                let add = try #require(Self.heard(ct, "add", "hidraw3").first)
                #expect(add["DEVPATH"] == "/" + hidraw && add["SUBSYSTEM"] == "hidraw" && add["MAJOR"] == "241" && add["MINOR"] == "3", "\(add)")
                let remove = try #require(Self.heard(ct, "remove", "ttyUSB7").first)
                #expect(remove["DEVPATH"] == "/" + tty && remove["SUBSYSTEM"] == "tty", "read while it was there: \(remove)")
                #expect(!watcher.log.contains("not told"), "\(watcher.log)")
            }
            #expect(watcher.stops(within: 10))
            let lines = watcher.log.split(separator: "\n")
            #expect(lines.contains { $0.contains("hidraw3") && $0.contains("given") } && lines.contains { $0.contains("c 188:7") && $0.contains("taken back") },
                    "\(watcher.log)")
        }
    }
}
}

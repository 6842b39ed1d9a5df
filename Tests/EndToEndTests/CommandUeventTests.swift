import Foundation
import Glibc
import Testing

extension EndToEndTests {
@Suite("attach --usb gives a USB device by what it is; attach and detach tell an unprivileged container as the watcher does",
       .enabled(if: EndToEnd.canRunContainers && EndToEnd.hasCommand, "needs root, lxc, busybox-static, the hooks and lxc-passthrough installed"))
struct CommandUeventTests {
    @Test("attach --usb --nodes all puts in every node of the device at its udev path under one entry; the container hears each, and a path's attach and detach",
          arguments: ContainerKind.runnable)
    func attachUSBAndTell(kind: ContainerKind) throws {
        let standIn = try USBStandIn()
        defer { standIn.remove() }
        let adapter = try standIn.device("1-2", vendor: "10c4", product: "ea60", serial: "E2E1", address: 5)
        try standIn.node(adapter + "/1-2:1.0/ttyUSB7/tty/ttyUSB7", major: 188, minor: 7, name: "ttyUSB7", subsystem: "tty")
        try standIn.device("1-3", vendor: "10c4", product: "ea60", serial: "E2E2", address: 6)
        let loop = try LoopDevice()
        defer { loop.remove() }
        try withContainer("usbattach", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
            try ct.append(USBDeviceTests.dropStandIn)
            try HotplugEventTests.listen(ct)
            let started = standIn.start(ct)
            try #require(started.succeeded, "start failed: \(started)\n\(ct.log)")
            try #require(eventually { ct.attach("ps | grep -q '[b]usybox uevent'").succeeded }, "the listener runs")

            let attached = standIn.running([EndToEnd.command, "attach", ct.name, "--usb", "10c4:ea60:E2E1", "--nodes", "all", "--gid", "20"])
            try #require(attached.succeeded, "\(attached)")
            #expect(attached.output.contains("\(ct.name): attached /dev/bus/usb/001/005 as dev0: c 189:4, mode 0660")
                    && attached.output.contains("\(ct.name): attached /dev/ttyUSB7 as dev0: c 188:7, mode 0660"), "\(attached)")
            #expect(ct.describe("/dev/bus/usb/001/005").hasPrefix(USBWatchTests.characterDevice(189, 4)))
            #expect(ct.describe("/dev/ttyUSB7").hasPrefix(USBWatchTests.characterDevice(188, 7)))
            #expect(USBWatchTests.rulesAllow(ct, "/dev/ttyUSB7"), "its rule is written: \(ct.attach("exec 3< /dev/ttyUSB7"))")
            #expect(ct.lacks("/dev/bus/usb/001/006"), "the twin with another serial is not given")
            let config = try String(contentsOfFile: ct.configPath, encoding: .utf8)
            #expect(config.contains("\ndev0: usb=10c4:ea60,serial=E2E1,nodes=all,gid=20\n"), "\(config)")

            let path = passthrough("attach", ct.name, loop.device, "--temporary")
            try #require(path.succeeded, "\(path)")
            let detached = passthrough("detach", ct.name, loop.device, "--temporary")
            try #require(detached.succeeded, "\(detached)")
            let loopName = String(loop.device.dropFirst(5))
            if kind.unprivileged {
                let heard = { (action: String, name: String) in USBWatchTests.heard(ct, action, name) }
                #expect(eventually { !heard("add", "bus/usb/001/005").isEmpty && !heard("add", "ttyUSB7").isEmpty }, "\(HotplugEventTests.heard(ct))")
                let own = try #require(heard("add", "bus/usb/001/005").first)
                #expect(own["DEVPATH"] == "/" + adapter && own["SUBSYSTEM"] == "usb" && own["PRODUCT"] == "10c4/ea60/100" && own["DEVNUM"] == "005"
                        && own["BUSNUM"] == "001" && own["TYPE"] == "0/0/0", "\(own)")
                let tty = try #require(heard("add", "ttyUSB7").first)
                #expect(tty["DEVPATH"] == "/" + adapter + "/1-2:1.0/ttyUSB7/tty/ttyUSB7" && tty["SUBSYSTEM"] == "tty", "\(tty)")
                #expect(eventually { !heard("add", loopName).isEmpty && !heard("remove", loopName).isEmpty }, "\(HotplugEventTests.heard(ct))")
                #expect(heard("remove", loopName).first?["SUBSYSTEM"] == "block", "\(HotplugEventTests.heard(ct))")
                #expect(!(attached.error + path.error + detached.error).contains("not told"), "\(attached)\n\(path)\n\(detached)")
            } else {
                Thread.sleep(forTimeInterval: 0.3)
                #expect(!HotplugEventTests.heard(ct).contains { $0["DEVNAME"]?.hasPrefix("bus/usb/") == true || $0["DEVNAME"] == "ttyUSB7" },
                        "the kernel's events reach it: none of ours \(HotplugEventTests.heard(ct))")
            }
        }
    }
}
}

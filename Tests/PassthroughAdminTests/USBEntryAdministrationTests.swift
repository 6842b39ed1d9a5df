import Glibc
import Testing
@testable import PassthroughAdmin
import PassthroughModel
import PassthroughSystem

/// `sync`, `add` and `check` with USB entries, the devices in a stand-in sysfs.
@Suite("USB entries on the config side")
struct USBEntryAdministrationTests {
    /// A stand-in sysfs with one CP210x at 1-2 (serial 0001, address 5) and its ttyUSB0, removed afterwards.
    static func withSysfs(_ body: (SysfsRoot) throws -> Void) throws {
        var template = Array("/tmp/usb-admin-sysfs.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SystemError(call: "mkdtemp", path: "/tmp/usb-admin-sysfs.XXXXXX", errno: errno)
        }
        let root = String(cString: made)
        defer { _ = system("rm -rf '\(root)'") }
        func file(_ relative: String, _ text: String) throws {
            var directory = root
            for part in relative.split(separator: "/").dropLast() {
                directory += "/" + part
                if mkdir(directory, 0o755) != 0 && errno != EEXIST { throw SystemError(call: "mkdir", path: directory, errno: errno) }
            }
            let descriptor = try FileDescriptor.open(root + "/" + relative, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            try descriptor.writeAll(Array(text.utf8))
        }
        let device = "devices/pci0000:00/usb1/1-2"
        for (name, value) in [("idVendor", "10c4"), ("idProduct", "ea60"), ("serial", "0001"), ("busnum", "1"), ("devnum", "5"), ("dev", "189:4")] {
            try file(device + "/" + name, value + "\n")
        }
        try file(device + "/uevent", "MAJOR=189\nMINOR=4\nDEVNAME=bus/usb/001/005\n")
        let tty = device + "/1-2:1.0/ttyUSB0/tty/ttyUSB0"
        try file(tty + "/dev", "188:0\n")
        try file(tty + "/uevent", "MAJOR=188\nMINOR=0\nDEVNAME=ttyUSB0\n")
        guard symlink("../../../../../../class/tty", root + "/" + tty + "/subsystem") == 0,
              symlink("../../../../../../bus/usb", root + "/" + device + "/subsystem") == 0
        else { throw SystemError(call: "symlink", path: root + "/" + tty, errno: errno) }
        try file("bus/usb/devices/.keep", "")
        // Only the kernel's links are in bus/usb/devices.
        guard unlink(root + "/bus/usb/devices/.keep") == 0 else { throw SystemError(call: "unlink", path: root + "/bus/usb/devices/.keep", errno: errno) }
        guard symlink("../../../" + device, root + "/bus/usb/devices/1-2") == 0 else {
            throw SystemError(call: "symlink", path: root + "/bus/usb/devices/1-2", errno: errno)
        }
        try body(SysfsRoot(root))
    }

    static func administration(_ sysfs: SysfsRoot) -> Administration {
        var administration = AdministrationTests().administration()
        administration.resolver = DeviceResolver(sysfs: sysfs)
        return administration
    }

    @Test("sync writes a rule for each node a USB entry matches now, and a pending line or a warning for one with none")
    func syncWritesTheRulesOfTheNodesMatchedNow() throws {
        try Self.withSysfs { sysfs in
            var document = ConfigDocument(
                "lxc.include = /common.conf\ndev0: usb=10c4:ea60,nodes=all\ndev1: usb=1a6e:089a,required=0\ndev2: usb-port=1-9\n")
            let result = try Self.administration(sysfs).sync(&document, include: "/inc/passthrough.conf")
            #expect(result.warnings == ["dev2 (usb port 1-9): no USB device matches port 1-9 now; no rule written for it"])
            #expect(document.blockContent == [
                "lxc.include = /inc/passthrough.conf",
                "# dev0 (usb 10c4:ea60) /dev/bus/usb/001/005: c 189:4",
                "# dev0 (usb 10c4:ea60) /dev/ttyUSB0: c 188:0",
                "# dev1 (usb 1a6e:089a): pending (required=0): no USB device matches 1a6e:089a now",
                "lxc.cgroup.devices.allow = c 189:4 rw", "lxc.cgroup.devices.allow = c 188:0 rw",
                "lxc.cgroup2.devices.allow = c 189:4 rw", "lxc.cgroup2.devices.allow = c 188:0 rw",
            ])
        }
    }

    @Test("add writes a USB entry a device matches; a required one with no match is refused, naming it")
    func addChecksARequiredUSBEntryAsPrestartWill() throws {
        try Self.withSysfs { sysfs in
            let administration = Self.administration(sysfs)
            var document = ConfigDocument("lxc.include = /common.conf\n")
            let found = NewEntry(selector: .usb(try USBSelector.parse(identities: "10c4:ea60", serial: "0001"), nodes: .usb), options: NodeOptions(gid: 20))
            let (key, sync) = try administration.add(&document, found, include: "/p/passthrough.conf")
            #expect(key == DeviceKey(index: 0) && sync.rules.map(\.description).contains("lxc.cgroup2.devices.allow = c 189:4 rw"))
            #expect(document.deviceLines().map(\.value) == ["usb=10c4:ea60,serial=0001,gid=20"])
            let absent = NewEntry(selector: .usb(try USBSelector.parse(identities: "1a6e:089a"), nodes: .usb))
            #expect { try administration.add(&document, absent, include: "/p") } throws: {
                "\($0)" == "usb 1a6e:089a: no USB device matches 1a6e:089a now (add it with --required=0 to wait for it)"
            }
            var optional = absent
            optional.options.required = false
            #expect(try administration.add(&document, optional, include: "/p").0 == DeviceKey(index: 1))
            #expect(try administration.problems(document).isEmpty, "check: ready, and pending")
            let reports = try administration.reports(document)
            #expect(reports.map(\.status) == [.ready, .pending])
            #expect(reports.first?.found.map(\.hostPath) == ["/dev/bus/usb/001/005"])
            #expect(try administration.usbMatches(document) == ["dev0 (usb 10c4:ea60 serial 0001) matches /dev/bus/usb/001/005 (c 189:4)"],
                    "check says what each USB entry matches; the pending one is in the reports")
        }
    }
}

import Glibc
import PassthroughModel
import PassthroughSystem
import Testing

/// USB devices and their nodes read from a stand-in sysfs (`SysfsTree`):
/// no root needed, no real device.
@Suite("USB devices and their nodes in sysfs")
struct SysfsUSBTests {
    static func device(_ scan: USBDeviceScan, _ port: String) throws -> USBDevice {
        try #require(scan.devices.first { $0.port.name == port })
    }

    @Test func theDevicesAreListedAndInterfacesAndRootHubsPassedOver() throws {
        try SysfsTree.withUSB { tree in
            let scan = try tree.sysfs.usbDevices()
            #expect(scan.failures.isEmpty)
            #expect(scan.devices.map(\.port.name) == ["1-1", "1-1.2", "1-2", "1-3", "1-4", "1-5", "2-1"])
            let adapter = try Self.device(scan, "1-2")
            #expect(adapter == USBDevice(
                port: try #require(USBPort("1-2")), vendor: 0x10c4, product: 0xea60, serial: "0001", busNumber: 1, address: 5,
                nodeNumber: DeviceNumber(major: 189, minor: 4)))
            #expect(try Self.device(scan, "1-1").serial == nil)
            #expect(try tree.sysfs.usbDevice(at: try #require(USBPort("1-1.2")))?.serial == "A50285BI")
            #expect(try tree.sysfs.usbDevice(at: try #require(USBPort("1-9"))) == nil, "nothing plugged there")
        }
    }

    @Test(arguments: [(serial: "0001", port: "1-2"), (serial: "0002", port: "1-3")])
    func twoIdenticalDevicesAreToldApartBySerialAndByPort(serial: String, port: String) throws {
        try SysfsTree.withUSB { tree in
            let devices = try tree.sysfs.usbDevices().devices
            let both = try USBSelector.parse(identities: "10c4:ea60")
            #expect(devices.filter(both.matches).map(\.port.name) == ["1-2", "1-3"])
            let bySerial = try USBSelector.parse(identities: "10c4:ea60", serial: serial)
            #expect(devices.filter(bySerial.matches).map(\.port.name) == [port])
            let byPort = try USBSelector.parse(identities: "10c4:ea60", port: port)
            #expect(devices.filter(byPort.matches).map(\.serial) == [serial])
        }
    }

    @Test func aDeviceThatChangesItsIdsIsSeenWithTheNewOnes() throws {
        try SysfsTree.withUSB { tree in
            let coral = try USBSelector.parse(identities: "1a6e:089a;18d1:9302")
            let google = try USBSelector.parse(identities: "18d1:9302")
            let before = try Self.device(try tree.sysfs.usbDevices(), "2-1")
            #expect(coral.matches(before) && !google.matches(before))
            #expect(try tree.sysfs.nodes(below: before).map(\.name) == ["bus/usb/002/002"])
            // Its firmware loaded, the Coral comes back as Google's, at a new address, on the same port.
            let path = SysfsTree.bus2 + "/2-1"
            try tree.file(path + "/idVendor", "18d1\n")
            try tree.file(path + "/idProduct", "9302\n")
            try tree.file(path + "/devnum", "3\n")
            try tree.file(path + "/dev", "189:130\n")
            try tree.file(path + "/uevent", "MAJOR=189\nMINOR=130\nDEVNAME=bus/usb/002/003\nDEVTYPE=usb_device\n")
            let after = try Self.device(try tree.sysfs.usbDevices(), "2-1")
            #expect(after.identity.description == "18d1:9302" && after.address == 3)
            #expect(coral.matches(after) && google.matches(after))
            #expect(try tree.sysfs.nodes(below: after).map(\.name) == ["bus/usb/002/003"])
            #expect(throws: SysfsError.changed(
                path: tree.root + "/bus/usb/devices/2-1", expected: DeviceNumber(major: 189, minor: 129), found: DeviceNumber(major: 189, minor: 130))
            ) { try tree.sysfs.nodes(below: before) }
        }
    }

    @Test func theNodesBelowASerialAdapterAreItsOwnAndItsTTYAndNoLinkIsFollowed() throws {
        try SysfsTree.withUSB { tree in
            let adapter = try Self.device(try tree.sysfs.usbDevices(), "1-2")
            // Its `subsystem` and `driver` links lead to bus/usb (every device) and class/tty (ttyS0, ttyUSB1):
            // were one followed, their nodes would be here.
            #expect(try tree.sysfs.nodes(below: adapter) == [
                SysfsNode(name: "bus/usb/001/005", type: .character, number: DeviceNumber(major: 189, minor: 4), subsystem: "usb", directory: ""),
                SysfsNode(
                    name: "ttyUSB0", type: .character, number: DeviceNumber(major: 188, minor: 0), subsystem: "tty",
                    directory: "1-2:1.0/ttyUSB0/tty/ttyUSB0"),
            ])
        }
    }

    @Test func theNodesBelowACompositeDeviceAreExactlyItsOwn() throws {
        try SysfsTree.withUSB { tree in
            let camera = try Self.device(try tree.sysfs.usbDevices(), "1-4")
            let nodes = try tree.sysfs.nodes(below: camera)
            #expect(nodes.map(\.name) == ["bus/usb/001/007", "media0", "video0", "snd/controlC1", "snd/pcmC1D0c", "hidraw0", "input/event3"])
            #expect(nodes.map(\.subsystem) == ["usb", "media", "video4linux", "sound", "sound", "hidraw", "input"])
            #expect(nodes.allSatisfy { $0.type == .character })
            #expect(nodes.first { $0.name == "hidraw0" }?.directory == "1-4:1.3/0003:046D:0825.0001/hidraw/hidraw0")
        }
    }

    @Test func aDisksNodesAreBlockDevicesAndItsOtherNodesCharacterDevices() throws {
        try SysfsTree.withUSB { tree in
            let stick = try Self.device(try tree.sysfs.usbDevices(), "1-5")
            let nodes = try tree.sysfs.nodes(below: stick)
            #expect(nodes.map(\.name) == ["bus/usb/001/008", "sdb", "sdb1", "bsg/6:0:0:0"], "not class/block's sda, which a link leads to")
            #expect(nodes.map(\.type) == [.character, .block, .block, .character])
            #expect(nodes.map(\.path) == ["/dev/bus/usb/001/008", "/dev/sdb", "/dev/sdb1", "/dev/bsg/6:0:0:0"])
        }
    }

    @Test func aHubsSubtreeHoldsTheDevicesOnItsPortsAsTheKernelLaysThemOut() throws {
        try SysfsTree.withUSB { tree in
            let scan = try tree.sysfs.usbDevices()
            // The kernel puts 1-1.2 in 1-1's own directory: the hub's nodes are its own and those of what is plugged into it.
            #expect(try tree.sysfs.nodes(below: try Self.device(scan, "1-1")).map(\.name) == ["bus/usb/001/002", "bus/usb/001/003", "ttyUSB2"])
            #expect(try tree.sysfs.nodes(below: try Self.device(scan, "1-1.2")).map(\.name) == ["bus/usb/001/003", "ttyUSB2"])
        }
    }

    @Test func aDamagedAttributeIsAFailureNamingThePathAndTheAttribute() throws {
        try SysfsTree.withUSB { tree in
            try tree.file(SysfsTree.bus1 + "/1-3/idVendor", "zz\n")
            try tree.remove(SysfsTree.bus1 + "/1-1/1-1.2/devnum")
            let scan = try tree.sysfs.usbDevices()
            #expect(scan.devices.map(\.port.name) == ["1-1", "1-2", "1-4", "1-5", "2-1"])
            let devices = tree.root + "/bus/usb/devices"
            #expect(scan.failures == [
                .device(path: devices + "/1-1.2", .attribute(.missing(attribute: "devnum"))),
                .device(path: devices + "/1-3", .attribute(.notHexadecimal(attribute: "idVendor", text: "zz"))),
            ])
            #expect(scan.failures.map(\.path) == [devices + "/1-1.2/devnum", devices + "/1-3/idVendor"])
            #expect(scan.failures.last?.description == devices + "/1-3/idVendor: 'zz' is not four hexadecimal digits")
            #expect(throws: SysfsError.device(path: devices + "/1-3", .attribute(.notHexadecimal(attribute: "idVendor", text: "zz")))) {
                try tree.sysfs.usbDevice(at: try #require(USBPort("1-3")))
            }
        }
    }

    @Test func anAttributeLongerThanAPageIsRefusedUnread() throws {
        try SysfsTree.withUSB { tree in
            try tree.file(SysfsTree.bus1 + "/1-3/serial", String(repeating: "x", count: 5000) + "\n")
            let scan = try tree.sysfs.usbDevices()
            #expect(scan.failures == [.system(SystemError(call: "read", path: tree.root + "/bus/usb/devices/1-3/serial", errno: EFBIG))])
        }
    }

    @Test func aNodeWithAHostileNameOrMissingFileFailsTheWalk() throws {
        try SysfsTree.withUSB { tree in
            let adapter = try Self.device(try tree.sysfs.usbDevices(), "1-2")
            let tty = SysfsTree.bus1 + "/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0"
            let ttyPath = tree.root + "/bus/usb/devices/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0"
            try tree.file(tty + "/uevent", "MAJOR=188\nMINOR=0\nDEVNAME=../etc/shadow\n")
            let hostile = SysfsError.node(path: ttyPath, .uevent(.invalidDeviceName("../etc/shadow", why: "it has a '.' or '..' component")))
            #expect(throws: hostile) { try tree.sysfs.nodes(below: adapter) }
            #expect(hostile.description == ttyPath + "/uevent: DEVNAME='../etc/shadow' is not a name below /dev: it has a '.' or '..' component")
            try tree.remove(tty + "/uevent")
            #expect(throws: SysfsError.system(SystemError(call: "openat", path: ttyPath + "/uevent", errno: ENOENT))) {
                try tree.sysfs.nodes(below: adapter)
            }
        }
    }

    @Test func theWalkStopsWithAnErrorBeyondItsDepth() throws {
        try SysfsTree.withUSB { tree in
            let adapter = try Self.device(try tree.sysfs.usbDevices(), "1-2")
            let deepest = (1...SysfsRoot.walkDepthLimit).map { "d\($0)" }.joined(separator: "/")
            try tree.directory(SysfsTree.bus1 + "/1-2/" + deepest)
            #expect(try tree.sysfs.nodes(below: adapter).count == 2, "\(SysfsRoot.walkDepthLimit) directories deep is walked")
            try tree.directory(SysfsTree.bus1 + "/1-2/" + deepest + "/d17")
            #expect(throws: SysfsError.walkLimit(
                path: tree.root + "/bus/usb/devices/1-2/" + deepest + "/d17", limit: "more than 16 directories deep below the device")
            ) { try tree.sysfs.nodes(below: adapter) }
        }
    }

    @Test func theWalkStopsWithAnErrorBeyondItsNumberOfDirectories() throws {
        try SysfsTree.withUSB { tree in
            let adapter = try Self.device(try tree.sysfs.usbDevices(), "1-2")
            try tree.directory(SysfsTree.bus1 + "/1-2/many")
            for index in 0..<SysfsRoot.walkDirectoryLimit {
                try FileSystem.makeDirectory(tree.root + "/" + SysfsTree.bus1 + "/1-2/many/\(index)", mode: 0o755)
            }
            #expect {
                try tree.sysfs.nodes(below: adapter)
            } throws: { error in
                guard case .walkLimit(_, let limit) = error as? SysfsError else { return false }
                return limit == "more than 4096 directories below the device"
            }
        }
    }

    @Test func aMissingSysfsIsAnErrorNotAnEmptyList() throws {
        try SysfsTree.with { tree in
            #expect(throws: SystemError(call: "open", path: tree.root + "/bus/usb/devices", errno: ENOENT)) { try tree.sysfs.usbDevices() }
        }
        #expect(SysfsRoot().path == "/sys" && SysfsRoot("/tmp/x/").usbDevicesPath == "/tmp/x/bus/usb/devices")
    }
}

import Testing
@testable import PassthroughModel

@Suite("which containers a change on the host concerns")
struct WatchIndexTests {
    static let tty0 = DeviceNumber(major: 188, minor: 0)
    static let loop7 = DeviceNumber(major: 7, minor: 7)

    static func index() -> WatchIndex {
        var index = WatchIndex()
        index.set("a", WatchIndex.Interest(
            paths: ["/dev/serial/by-id/usb-X", "/dev/ttyUSB0"], numbers: [tty0], directory: WatchIndex.DirectoryIdentity(device: 1, inode: 10)))
        index.set("b", WatchIndex.Interest(paths: ["/dev/loop7"], numbers: [loop7], directory: WatchIndex.DirectoryIdentity(device: 1, inode: 11)))
        index.set("c", WatchIndex.Interest(paths: ["/dev/serial/by-path/pci-1"]))
        return index
    }

    @Test func aPathAndEachDirectoryOnTheWayConcernItsContainers() {
        let index = Self.index()
        #expect(index.containers(touchedAt: "/dev/serial/by-id/usb-X") == ["a"])
        #expect(index.containers(touchedAt: "/dev/serial/by-id") == ["a"])
        #expect(index.containers(touchedAt: "/dev/serial") == ["a", "c"], "the directory both paths go through")
        #expect(index.containers(touchedAt: "/dev/ttyUSB0") == ["a"], "what the link resolves to")
        #expect(index.containers(touchedAt: "/dev//loop7") == ["b"], "paths are normalized")
    }

    @Test func anUnrelatedChangeConcernsNobody() {
        let index = Self.index()
        #expect(index.containers(touchedAt: "/dev/loop8").isEmpty)
        #expect(index.containers(touchedAt: "/dev").isEmpty, "/dev itself is no key: every change there would concern everyone")
        #expect(index.containers(touchedAt: "/dev/serial/by-id/usb-Y").isEmpty)
        #expect(index.containers(using: DeviceNumber(major: 7, minor: 8)).isEmpty)
    }

    @Test func numbersAndDirectoriesFindTheirContainer() {
        let index = Self.index()
        #expect(index.containers(using: Self.tty0) == ["a"])
        #expect(index.containers(using: Self.loop7) == ["b"])
        #expect(index.container(withDirectory: WatchIndex.DirectoryIdentity(device: 1, inode: 11)) == "b")
        #expect(index.container(withDirectory: WatchIndex.DirectoryIdentity(device: 2, inode: 11)) == nil)
    }

    @Test func replacingAndRemovingLeaveNothingBehind() {
        var index = Self.index()
        index.set("a", WatchIndex.Interest(paths: ["/dev/ttyUSB1"], numbers: []))
        #expect(index.containers(touchedAt: "/dev/serial") == ["c"])
        #expect(index.containers(using: Self.tty0).isEmpty)
        #expect(index.container(withDirectory: WatchIndex.DirectoryIdentity(device: 1, inode: 10)) == nil)
        #expect(index.containers(touchedAt: "/dev/ttyUSB1") == ["a"])
        index.remove("a")
        index.remove("b")
        index.remove("c")
        #expect(index.interests.isEmpty)
        #expect(index.containers(touchedAt: "/dev/ttyUSB1").isEmpty && index.containers(using: Self.loop7).isEmpty)
    }

    @Test("compacting gives back the room a thousand forgotten containers left, in the sets of names a shared directory holds too")
    func compactingGivesBackTheRoomOfForgottenContainers() {
        var index = WatchIndex()
        index.set("running", WatchIndex.Interest(paths: ["/dev/shared/by-id/usb-Stick"], numbers: [Self.loop7]))
        for number in 0..<1000 {
            index.set("ct\(number)", WatchIndex.Interest(paths: ["/dev/shared/serial/usb-\(number % 256)"], numbers: [Self.loop7]))
        }
        let grown = index.containers(touchedAt: "/dev/shared").capacity
        #expect(grown >= 1001)
        for number in 0..<1000 { index.remove("ct\(number)") }
        #expect(index.containers(touchedAt: "/dev/shared").capacity == grown, "removal alone keeps the room (what compact is for)")
        index.compact()
        #expect(index.containers(touchedAt: "/dev/shared") == ["running"])
        #expect(index.containers(touchedAt: "/dev/shared").capacity < 8)
        #expect(index.containers(using: Self.loop7) == ["running"])
        #expect(index.containers(using: Self.loop7).capacity < 8)
    }

    @Test func compactedSetsAndDictionariesKeepTheirContents() {
        var set = Set(0..<1000)
        var dictionary = Dictionary(uniqueKeysWithValues: (0..<1000).map { ($0, "\($0)") })
        for number in 3..<1000 { set.remove(number); dictionary[number] = nil }
        #expect(set.compacted() == [0, 1, 2] && set.compacted().capacity < set.capacity)
        #expect(dictionary.compacted() == [0: "0", 1: "1", 2: "2"] && dictionary.compacted().capacity < dictionary.capacity)
    }
}

@Suite("which containers a USB event concerns")
struct USBWatchIndexTests {
    static func event(_ fields: [String: String], path: String) -> Uevent {
        Uevent(action: "add", devicePath: path, fields: fields)
    }

    static let device = event(["SUBSYSTEM": "usb", "DEVTYPE": "usb_device", "DEVNAME": "bus/usb/001/007", "MAJOR": "189", "MINOR": "6"],
                              path: "/devices/pci0000:00/0000:00:14.0/usb1/1-2")
    static let tty = event(["SUBSYSTEM": "tty", "DEVNAME": "ttyUSB0", "MAJOR": "188", "MINOR": "0"],
                           path: "/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0")

    @Test("a USB device's event, or a node's below a USB bus, says so; an interface's or another device's does not")
    func whatAnEventSaysItIs() {
        #expect(Self.device.usbHint == .device)
        #expect(Self.tty.usbHint == .nodeBelowDevice)
        #expect(Self.event(["SUBSYSTEM": "usb", "DEVTYPE": "usb_interface"], path: "/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0").usbHint == nil)
        #expect(Self.event(["SUBSYSTEM": "block", "DEVNAME": "loop7"], path: "/devices/virtual/block/loop7").usbHint == nil)
        #expect(Self.event(["SUBSYSTEM": "tty", "DEVNAME": "ttyS0"], path: "/devices/platform/serial8250/tty/ttyS0").usbHint == nil)
        #expect(Self.event(["SUBSYSTEM": "net"], path: "/devices/virtual/net/usb1").usbHint == nil, "a name like a bus's, last: no node below a device")
        #expect(Self.event(["SUBSYSTEM": "tty"], path: "/devices/virtual/usbx/tty").usbHint == nil)
    }

    @Test("what entries need: none, every device's events, or every node's too with nodes=all")
    func whatEntriesNeed() throws {
        let path = try DeviceSpec.parse("/dev/ttyUSB0").selector
        let own = try DeviceSpec.parse("usb=10c4:ea60").selector, all = try DeviceSpec.parse("usb-port=1-2,nodes=all").selector
        #expect(WatchIndex.USBEvents([path]) == nil)
        #expect(WatchIndex.USBEvents([path, own]) == .devices)
        #expect(WatchIndex.USBEvents([own, all, own]) == .devicesAndNodes)
    }

    @Test("a USB device's event concerns every container with a USB entry, a node's only those with nodes=all, others none; forgetting forgets")
    func containersHearing() {
        var index = WatchIndex()
        index.set("own", WatchIndex.Interest(usb: .devices))
        index.set("all", WatchIndex.Interest(usb: .devicesAndNodes))
        index.set("paths", WatchIndex.Interest(paths: ["/dev/ttyUSB0"]))
        #expect(index.containers(hearing: .device) == ["own", "all"])
        #expect(index.containers(hearing: .nodeBelowDevice) == ["all"])
        index.set("all", WatchIndex.Interest(usb: .devices))
        #expect(index.containers(hearing: .nodeBelowDevice).isEmpty)
        index.remove("own")
        index.remove("all")
        index.compact()
        #expect(index.containers(hearing: .device).isEmpty)
    }
}

import Testing
import PassthroughModel

@Suite("kernel uevents")
struct UeventTests {
    static func message(_ parts: String...) -> [UInt8] { parts.flatMap { Array($0.utf8) + [0] } }

    @Test func aKernelAddEventIsRead() throws {
        let event = try #require(Uevent.parse(UeventTests.message(
            "add@/devices/virtual/block/zram3", "ACTION=add", "DEVPATH=/devices/virtual/block/zram3", "SUBSYSTEM=block",
            "MAJOR=252", "MINOR=3", "DEVNAME=zram3", "SEQNUM=4711")))
        #expect(event.action == "add" && event.devicePath == "/devices/virtual/block/zram3")
        #expect(event.deviceName == "zram3")
        #expect(event.number == DeviceNumber(major: 252, minor: 3))
        #expect(event.mayChangeNodes)
    }

    @Test func eventsThatMakeNoNodeAreNotOfInterest() throws {
        let change = try #require(Uevent.parse(UeventTests.message("change@/devices/virtual/block/loop0", "ACTION=change", "MAJOR=7", "MINOR=0", "DEVNAME=loop0")))
        #expect(!change.mayChangeNodes)
        let module = try #require(Uevent.parse(UeventTests.message("add@/module/zram", "ACTION=add", "SUBSYSTEM=module")))
        #expect(!module.mayChangeNodes && module.number == nil)
    }

    @Test(arguments: [
        [UInt8]("libudev".utf8) + [0, 0xfe, 0xed, 0xca, 0xfe],
        UeventTests.message("add/devices/x", "ACTION=add"),
        UeventTests.message("@/devices/x"),
        UeventTests.message("ADD@/devices/x"),
        UeventTests.message("add@devices/x"),
        UeventTests.message("add@/devices/x", "ACTION=remove"),
        [UInt8](repeating: 0x61, count: Uevent.maximumLength + 1),
        [],
    ])
    func whatIsNotAKernelEventIsRefused(bytes: [UInt8]) {
        #expect(Uevent.parse(bytes) == nil)
    }

    @Test(arguments: ["+7", "-1", "", "7a", "99999999", " 7"])
    func numbersAreDecimalDigitsOnly(major: String) throws {
        let event = try #require(Uevent.parse(UeventTests.message("add@/devices/x", "MAJOR=\(major)", "MINOR=1", "DEVNAME=x")))
        #expect(event.number == nil)
    }

    @Test func theFirstOfARepeatedKeyIsKept() throws {
        let event = try #require(Uevent.parse(UeventTests.message("remove@/d", "DEVNAME=a", "DEVNAME=b", "junk", "=x")))
        #expect(event.deviceName == "a" && event.fields.count == 1)
    }
}

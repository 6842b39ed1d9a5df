import Glibc
import PassthroughModel
import PassthroughSystem
import Testing

@Suite("device numbers")
struct DeviceNumberTests {
    @Test(arguments: [(UInt32(0), UInt32(0)), (1, 3), (188, 0), (7, 255), (7, 256), (259, 1_048_575), (4095, 1), (4096, 65536)])
    func roundTrip(major: UInt32, minor: UInt32) {
        let number = DeviceNumber(major: major, minor: minor)
        #expect(DeviceNumber(number.deviceID) == number)
    }

    @Test func linuxEncoding() {
        // makedev(8, 1) is 0x801; makedev(259, 65536) puts minor bits 8-19 at 20-31 and the major's low 12 bits at 8-19.
        #expect(DeviceNumber(major: 8, minor: 1).deviceID == 0x801)
        #expect(DeviceNumber(0x801) == DeviceNumber(major: 8, minor: 1))
        #expect(DeviceNumber(major: 259, minor: 65536).deviceID == 0x1001_0300)
    }

    @Test func aNodeOnTheHostHasItsNumber() throws {
        var info = stat()
        try #require(stat("/dev/null", &info) == 0)
        #expect(info.deviceNumber == DeviceNumber(major: 1, minor: 3))
        #expect(info.isNode(of: .character, DeviceNumber(major: 1, minor: 3)))
        #expect(!info.isNode(of: .block, DeviceNumber(major: 1, minor: 3)))
    }
}

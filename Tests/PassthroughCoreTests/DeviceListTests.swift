import Testing
@testable import PassthroughCore

@Suite("device list format")
struct DeviceListTests {
    static let paths = [
        "/dev/ttyUSB0", "/dev/with space", "/dev/new\nline", "/dev/tab\there", "/dev/back\\slash",
        "/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0", "/dev/ünïcödé", "/dev/del\u{7f}",
        "/dev/" + String(repeating: "x", count: 250),
    ]

    @Test(arguments: paths)
    func pathsSurviveTheRoundTrip(path: String) throws {
        let list = DeviceList([
            DeviceList.Item(key: DeviceKey(index: 7)!, type: .character, number: DeviceNumber(major: 188, minor: 0), path: path),
            DeviceList.Item(key: DeviceKey(index: 255)!, type: .block, number: DeviceNumber(major: 7, minor: 1_048_575), path: "/dev/loop0"),
        ])
        let text = list.encoded()
        #expect(text.split(separator: "\n").count == 3, "one line per device and a header")
        #expect(try DeviceList.decode(text) == list)
    }

    @Test func encodingIsReadable() {
        let list = DeviceList([DeviceList.Item(key: DeviceKey(index: 0)!, type: .character, number: DeviceNumber(major: 188, minor: 0), path: "/dev/a b")])
        #expect(list.encoded() == "lxc-passthrough device list 1\ndev0 c 188 0 /dev/a\\040b\n")
    }

    @Test(arguments: [
        "", "wrong header\n", "lxc-passthrough device list 1\ndev0 c 1 2 /dev/a",
        "lxc-passthrough device list 1\ndev0 c 1 /dev/a\n", "lxc-passthrough device list 1\ndev256 c 1 2 /dev/a\n",
        "lxc-passthrough device list 1\ndev0 x 1 2 /dev/a\n", "lxc-passthrough device list 1\ndev0 c 1 2 /etc/a\n",
        "lxc-passthrough device list 1\ndev0 c 1 2 /dev/../etc\n", "lxc-passthrough device list 1\ndev0 c 1 2 /dev/a\\9\n",
        "lxc-passthrough device list 1\ndev0 c 1 2 /dev/a\\400\n",
    ])
    func damagedListsAreRefused(text: String) {
        #expect(throws: DeviceList.Failure.self) { try DeviceList.decode(text) }
    }
}

@Suite("device numbers")
struct DeviceNumberTests {
    @Test(arguments: [(UInt32(0), UInt32(0)), (1, 3), (188, 0), (7, 255), (7, 256), (259, 1_048_575), (4095, 1), (4096, 65536)])
    func roundTrip(major: UInt32, minor: UInt32) {
        let number = DeviceNumber(major: major, minor: minor)
        #expect(DeviceNumber(rawValue: number.rawValue) == number)
    }

    @Test func matchesGlibcEncoding() {
        // makedev(8, 1) == 0x801; makedev(259, 65536) == 0x0000_0100_1000_0300 per glibc's formula.
        #expect(DeviceNumber(major: 8, minor: 1).rawValue == 0x801)
        #expect(DeviceNumber(rawValue: 0x801) == DeviceNumber(major: 8, minor: 1))
        #expect(DeviceNumber(major: 259, minor: 65536).rawValue == 0x0000_0000_1001_0300)
    }
}

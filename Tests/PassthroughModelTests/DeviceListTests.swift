import Testing
@testable import PassthroughModel

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

    @Test func failuresNameTheLine() {
        let header = "lxc-passthrough device list 1\n"
        #expect(throws: DeviceList.Failure(line: 1, message: "expected the header 'lxc-passthrough device list 1'")) {
            try DeviceList.decode("wrong header\n")
        }
        #expect(throws: DeviceList.Failure(line: 3, message: "the last line is not terminated")) {
            try DeviceList.decode(header + "dev0 c 1 2 /dev/a\ndev1 c 1 3 /dev/b")
        }
        #expect(throws: DeviceList.Failure(line: 3, message: "expected 5 fields, found 4")) {
            try DeviceList.decode(header + "dev0 c 1 2 /dev/a\ndev1 c 1 /dev/b\n")
        }
        #expect(throws: DeviceList.Failure(line: 2, message: "expected 5 fields, found 1")) { try DeviceList.decode(header + "\n") }
        #expect(throws: DeviceList.Failure(line: 2, message: "bad device type 'x'")) { try DeviceList.decode(header + "dev0 x 1 2 /dev/a\n") }
    }
}

import PassthroughModel
import Testing

@Suite("a uevent made for a container, as the kernel writes one")
struct UeventMessageTests {
    static let tty = UeventMessage(
        action: .add, devicePath: "/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0", subsystem: "tty",
        deviceName: "zigbee", number: DeviceNumber(major: 188, minor: 0))

    @Test func theFieldsComeInTheKernelsOrderAndParseBack() throws {
        let bytes = try Self.tty.encoded()
        let fields = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        #expect(fields == [
            "add@/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0", "ACTION=add",
            "DEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0", "SUBSYSTEM=tty", "MAJOR=188", "MINOR=0",
            "DEVNAME=zigbee", "",
        ])
        let parsed = try #require(Uevent.parse(bytes))
        #expect(parsed.action == "add" && parsed.deviceName == "zigbee" && parsed.number == DeviceNumber(major: 188, minor: 0))
    }

    @Test func aRemovalAndAUSBDevicesFieldsFollowDevtype() throws {
        let usb = UeventMessage(
            action: .remove, devicePath: "/devices/pci0000:00/0000:00:14.0/usb1/1-2", subsystem: "usb", deviceName: "bus/usb/001/005",
            number: DeviceNumber(major: 189, minor: 4), deviceType: "usb_device",
            more: [.init("PRODUCT", "1a6e/89a/100"), .init("TYPE", "0/0/0"), .init("BUSNUM", "001"), .init("DEVNUM", "005")])
        let fields = try usb.encoded().split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        #expect(fields.first == "remove@/devices/pci0000:00/0000:00:14.0/usb1/1-2")
        #expect(Array(fields.suffix(6)) == ["DEVNAME=bus/usb/001/005", "DEVTYPE=usb_device", "PRODUCT=1a6e/89a/100", "TYPE=0/0/0", "BUSNUM=001", "DEVNUM=005"])
    }

    @Test(arguments: ["/sys/devices/x", "/devices", "/devices/", "/devices/../etc", "/devices/a//b", "/devices/./a", "devices/a", "/devices/a\u{0}b"])
    func aDevicePathOutsideSysDevicesIsRefused(_ path: String) {
        var message = Self.tty
        message.devicePath = path
        #expect(throws: UeventMessage.Failure.invalidDevicePath(path)) { try message.encoded() }
    }

    @Test(arguments: ["", "/dev/zigbee", "../zigbee", "a/../../b", "a//b", "tty\nUSB0"])
    func aNodeNameThatIsNotBelowDevIsRefused(_ name: String) {
        var message = Self.tty
        message.deviceName = name
        #expect(throws: UeventMessage.Failure.invalidDeviceName(name)) { try message.encoded() }
    }

    @Test func aValueWithANulOrAControlCharacterAndABadKeyAreRefused() {
        for (key, value) in [("PRODUCT", "1a6e\u{0}ACTION=remove"), ("PRODUCT", "a\nb"), ("PRODUCT", ""), ("product", "x"), ("A=B", "x")] {
            var message = Self.tty
            message.more = [.init(key, value)]
            #expect(throws: UeventMessage.Failure.invalidField(key: key, value: value)) { try message.encoded() }
        }
        var subsystem = Self.tty
        subsystem.subsystem = "tty\u{0}"
        #expect(throws: UeventMessage.Failure.invalidField(key: "SUBSYSTEM", value: "tty\u{0}")) { try subsystem.encoded() }
    }

    @Test func theLongestMessageTheKernelTakesIsSentAndOneByteMoreIsNot() throws {
        var message = Self.tty
        message.more = []
        let room = UeventMessage.maximumLength - (try message.encoded().count) - "X=".count - 1
        message.more = [.init("X", String(repeating: "y", count: room))]
        #expect(try message.encoded().count == UeventMessage.maximumLength)
        message.more = [.init("X", String(repeating: "y", count: room + 1))]
        #expect(throws: UeventMessage.Failure.tooLong(UeventMessage.maximumLength + 1)) { try message.encoded() }
    }
}

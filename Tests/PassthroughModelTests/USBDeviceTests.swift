import Testing
import PassthroughModel

@Suite("USB devices from their sysfs attributes")
struct USBDeviceTests {
    /// The attribute files of a CP210x serial adapter on port 1-2 (bus 1, address 5).
    static func attributes(_ changes: [String: String?] = [:]) -> [String: [UInt8]] {
        var texts: [String: String] = ["idVendor": "10c4\n", "idProduct": "ea60\n", "serial": "0001\n", "busnum": "1\n", "devnum": "5\n", "dev": "189:4\n"]
        for (name, text) in changes { texts[name] = text }
        return texts.mapValues { Array($0.utf8) }
    }

    @Test func aDeviceIsReadFromItsAttributes() throws {
        let device = try USBDevice.parse(port: "1-2", attributes: USBDeviceTests.attributes())
        #expect(device.port.name == "1-2" && device.port.bus == 1 && device.port.ports == [2])
        #expect(device.vendor == 0x10c4 && device.product == 0xea60 && device.identity.description == "10c4:ea60")
        #expect(device.serial == "0001" && device.busNumber == 1 && device.address == 5)
        #expect(device.nodeNumber == DeviceNumber(major: 189, minor: 4))
        #expect(device.nodeName == "bus/usb/001/005")
        #expect(device.description == "1-2 10c4:ea60 serial 0001 (bus/usb/001/005)")
    }

    @Test func aDeviceWithoutSerialHasNone() throws {
        let device = try USBDevice.parse(port: "3-1.4.2", attributes: USBDeviceTests.attributes(["serial": nil, "busnum": "3\n", "devnum": "127\n", "dev": "189:382\n", "idVendor": "1A6E\n"]))
        #expect(device.serial == nil && device.vendor == 0x1a6e && device.port.ports == [1, 4, 2])
        #expect(device.nodeName == "bus/usb/003/127")
    }

    @Test(arguments: [
        ("idVendor", "10c4", SysfsAttribute.Failure.notOneLine(attribute: "idVendor", text: "10c4")),
        ("idVendor", "10c4\n\n", .notOneLine(attribute: "idVendor", text: "10c4\n\n")),
        ("idVendor", "10\0c4\n", .notOneLine(attribute: "idVendor", text: "10\0c4\n")),
        ("idVendor", "\n", .empty(attribute: "idVendor")),
        ("idVendor", "0x10c4\n", .notHexadecimal(attribute: "idVendor", text: "0x10c4")),
        ("idVendor", "10c\n", .notHexadecimal(attribute: "idVendor", text: "10c")),
        ("idProduct", " ea6\n", .notHexadecimal(attribute: "idProduct", text: " ea6")),
        ("idProduct", "ea60 \n", .notHexadecimal(attribute: "idProduct", text: "ea60 ")),
        ("idProduct", "eag0\n", .notHexadecimal(attribute: "idProduct", text: "eag0")),
        ("busnum", "01\n", .notDecimal(attribute: "busnum", text: "01")),
        ("busnum", "0\n", .notDecimal(attribute: "busnum", text: "0")),
        ("busnum", "+1\n", .notDecimal(attribute: "busnum", text: "+1")),
        ("devnum", "128\n", .notDecimal(attribute: "devnum", text: "128")),
        ("devnum", "99999999\n", .notDecimal(attribute: "devnum", text: "99999999")),
        ("dev", "189\n", .notDeviceNumber(attribute: "dev", text: "189")),
        ("dev", "189:4:1\n", .notDeviceNumber(attribute: "dev", text: "189:4:1")),
        ("dev", "189: 4\n", .notDeviceNumber(attribute: "dev", text: "189: 4")),
        ("dev", "4096:4\n", .notDeviceNumber(attribute: "dev", text: "4096:4")),
        ("dev", "189:1048576\n", .notDeviceNumber(attribute: "dev", text: "189:1048576")),
        ("serial", "ab\u{1b}[2Jcd\n", .notText(attribute: "serial", text: "ab\u{1b}[2Jcd")),
        ("serial", "ab\u{85}\n", .notText(attribute: "serial", text: "ab\u{85}")),
        ("serial", String(repeating: "s", count: 127) + "\n", .textTooLong(attribute: "serial", length: 127, limit: 126)),
        ("serial", String(repeating: "s", count: 4096) + "\n", .tooLong(attribute: "serial", length: 4097)),
    ])
    func aBadAttributeIsRefusedByName(attribute: String, text: String, failure: SysfsAttribute.Failure) {
        #expect(throws: USBDevice.Failure.attribute(failure)) {
            try USBDevice.parse(port: "1-2", attributes: USBDeviceTests.attributes([attribute: text]))
        }
    }

    @Test func aSerialThatIsNotUTF8IsRefused() {
        var attributes = USBDeviceTests.attributes()
        attributes["serial"] = [0x41, 0xff, 0x0a]
        #expect(throws: USBDevice.Failure.attribute(.notText(attribute: "serial", text: "A\u{fffd}"))) {
            try USBDevice.parse(port: "1-2", attributes: attributes)
        }
    }

    @Test(arguments: ["idVendor", "idProduct", "busnum", "devnum", "dev"])
    func aMissingRequiredAttributeIsNamed(attribute: String) {
        #expect(throws: USBDevice.Failure.attribute(.missing(attribute: attribute))) {
            try USBDevice.parse(port: "1-2", attributes: USBDeviceTests.attributes([attribute: nil]))
        }
    }

    @Test func attributesThatDisagreeAreRefused() {
        #expect(throws: USBDevice.Failure.mismatch(attribute: "busnum", text: "2", expected: "1 (the bus of port 1-2)")) {
            try USBDevice.parse(port: "1-2", attributes: USBDeviceTests.attributes(["busnum": "2\n", "dev": "189:132\n"]))
        }
        #expect(throws: USBDevice.Failure.mismatch(attribute: "dev", text: "189:5", expected: "189:4 (from busnum 1 and devnum 5)")) {
            try USBDevice.parse(port: "1-2", attributes: USBDeviceTests.attributes(["dev": "189:5\n"]))
        }
        #expect(throws: USBDevice.Failure.mismatch(attribute: "dev", text: "188:4", expected: "189:4 (from busnum 1 and devnum 5)")) {
            try USBDevice.parse(port: "1-2", attributes: USBDeviceTests.attributes(["dev": "188:4\n"]))
        }
    }

    @Test(arguments: ["1-2:1.0", "usb1", "", "1", "1-", "-2", "0-2", "01-2", "1-0", "1-02", "1-256", "1-2.", "1-.2", "1-2..3", "1-2.3.4.5.6.7.1", "1-2 ", "1-+2", "1-2/3"])
    func aNameThatIsNotAPortIsRefused(name: String) {
        #expect(USBPort(name) == nil)
        #expect(throws: USBDevice.Failure.invalidPort(name)) { try USBDevice.parse(port: name, attributes: USBDeviceTests.attributes()) }
    }

    @Test(arguments: [("1-2", 1 as UInt32, [2] as [UInt8]), ("12-1.255", 12, [1, 255]), ("1-2.3.4.5.6.7", 1, [2, 3, 4, 5, 6, 7])])
    func portNamesAreRead(name: String, bus: UInt32, ports: [UInt8]) throws {
        let port = try #require(USBPort(name))
        #expect(port.bus == bus && port.ports == ports && port.description == name)
    }

    @Test func failuresSayWhatIsWrong() {
        #expect(USBDevice.Failure.attribute(.notHexadecimal(attribute: "idVendor", text: "zz\u{1b}")).description
            == "idVendor: 'zz\\033' is not four hexadecimal digits")
        #expect(USBDevice.Failure.invalidPort("1-2:1.0").description == "'1-2:1.0' is not a USB port name (such as 1-2.3)")
        #expect(USBDevice.Failure.attribute(.missing(attribute: "dev")).attribute == "dev")
    }
}

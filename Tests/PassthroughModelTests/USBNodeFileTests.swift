import Testing
import PassthroughModel

@Suite("the nodes of a USB device: dev and uevent files")
struct USBNodeFileTests {
    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func aUeventFileIsRead() throws {
        let file = try UeventFile.parse(Self.bytes("MAJOR=189\nMINOR=4\nDEVNAME=bus/usb/001/005\nDEVTYPE=usb_device\nDRIVER=usb\nPRODUCT=10c4/ea60/100\nTYPE=0/0/0\nBUSNUM=001\nDEVNUM=005\n"))
        #expect(try file.deviceName() == "bus/usb/001/005")
        #expect(try file.number() == DeviceNumber(major: 189, minor: 4))
        #expect(file.fields["PRODUCT"] == "10c4/ea60/100" && file.fields.count == 9)
        #expect(try UeventFile.parse([]).fields.isEmpty, "a directory with nothing to say has an empty file")
        #expect(try UeventFile.parse(Self.bytes("HID_NAME=A = B\n")).fields["HID_NAME"] == "A = B", "a value runs to the end of its line")
    }

    @Test(arguments: [
        ("MAJOR=188", UeventFile.Failure.notText),
        ("MAJOR=188\0\n", .notText),
        ("MAJOR=188\n\nMINOR=0\n", .invalidLine(line: 2, text: "")),
        ("=188\n", .invalidLine(line: 1, text: "=188")),
        ("major=188\n", .invalidLine(line: 1, text: "major=188")),
        ("MAJOR 188\n", .invalidLine(line: 1, text: "MAJOR 188")),
        ("MA-JOR=188\n", .invalidLine(line: 1, text: "MA-JOR=188")),
        ("MAJOR=188\nMAJOR=189\n", .repeatedKey("MAJOR")),
    ])
    func aUeventFileThatIsNotTheKernelsIsRefused(text: String, failure: UeventFile.Failure) {
        #expect(throws: failure) { try UeventFile.parse(Self.bytes(text)) }
    }

    @Test func aUeventFileNotUTF8OrLongerThanAPageIsRefused() {
        #expect(throws: UeventFile.Failure.notText) { try UeventFile.parse(Self.bytes("MAJOR=188\nNAME=") + [0xff, 0x0a]) }
        #expect(throws: UeventFile.Failure.tooLong(length: 4097)) { try UeventFile.parse([UInt8](repeating: 0x0a, count: 4097)) }
    }

    @Test(arguments: [
        ("", "it is empty"),
        ("/etc/shadow", "it starts with /"),
        ("../etc/shadow", "it has a '.' or '..' component"),
        ("bus/usb/../../etc", "it has a '.' or '..' component"),
        ("./ttyUSB0", "it has a '.' or '..' component"),
        ("bus//usb", "it has an empty component"),
        ("ttyUSB0/", "it has an empty component"),
        ("tty\u{1b}]0;x\u{7}", "it holds a control character"),
        ("tty\u{7f}", "it holds a control character"),
        (String(repeating: "n", count: 256), "a component is longer than 255 bytes"),
    ])
    func hostileDeviceNamesAreRefused(name: String, why: String) throws {
        let file = try UeventFile.parse(Self.bytes("MAJOR=188\nMINOR=0\nDEVNAME=\(name)\n"))
        #expect(throws: UeventFile.Failure.invalidDeviceName(name, why: why)) { try file.deviceName() }
    }

    @Test(arguments: [("MAJOR", "-1"), ("MAJOR", "4096"), ("MAJOR", "0188"), ("MINOR", "1048576"), ("MINOR", " 0"), ("MINOR", "")])
    func numbersOutsideTheKernelsAreRefused(key: String, text: String) throws {
        var fields = ["MAJOR": "188", "MINOR": "0"]
        fields[key] = text
        #expect(throws: UeventFile.Failure.invalidNumber(key: key, text: text)) { try UeventFile(fields: fields).number() }
    }

    @Test func aNodeWithoutNameOrNumberIsRefused() throws {
        #expect(throws: UeventFile.Failure.missing(key: "DEVNAME")) { try UeventFile(fields: ["MAJOR": "1"]).deviceName() }
        #expect(throws: UeventFile.Failure.missing(key: "MINOR")) { try UeventFile(fields: ["MAJOR": "1"]).number() }
        #expect(throws: UeventFile.Failure.missing(key: "MAJOR")) { try UeventFile(fields: ["MINOR": "1"]).number() }
    }

    @Test func aNodeIsMadeOfItsDevUeventAndSubsystem() throws {
        let tty = try SysfsNode.parse(
            directory: "1-2:1.0/ttyUSB0/tty/ttyUSB0", dev: Self.bytes("188:0\n"), uevent: Self.bytes("MAJOR=188\nMINOR=0\nDEVNAME=ttyUSB0\n"),
            subsystemLink: "../../../../../../../../../class/tty")
        #expect(tty == SysfsNode(name: "ttyUSB0", type: .character, number: DeviceNumber(major: 188, minor: 0), subsystem: "tty", directory: "1-2:1.0/ttyUSB0/tty/ttyUSB0"))
        #expect(tty.path == "/dev/ttyUSB0")
        let disk = try SysfsNode.parse(
            directory: "1-5:1.0/host6/target6:0:0/6:0:0:0/block/sdb/sdb1", dev: Self.bytes("8:17\n"),
            uevent: Self.bytes("MAJOR=8\nMINOR=17\nDEVNAME=sdb1\nDEVTYPE=partition\nPARTN=1\n"), subsystemLink: "../../../../../../../../../../../class/block")
        #expect(disk.type == .block && disk.subsystem == "block")
    }

    @Test func aNodeWhoseFilesDisagreeOrAreDamagedIsRefused() {
        let uevent = Self.bytes("MAJOR=188\nMINOR=0\nDEVNAME=ttyUSB0\n")
        #expect(throws: SysfsNode.Failure.numberMismatch(dev: DeviceNumber(major: 188, minor: 1), uevent: DeviceNumber(major: 188, minor: 0))) {
            try SysfsNode.parse(directory: "x", dev: Self.bytes("188:1\n"), uevent: uevent, subsystemLink: "../class/tty")
        }
        #expect(throws: SysfsNode.Failure.dev(.notDeviceNumber(attribute: "dev", text: "188"))) {
            try SysfsNode.parse(directory: "x", dev: Self.bytes("188\n"), uevent: uevent, subsystemLink: "../class/tty")
        }
        #expect(throws: SysfsNode.Failure.uevent(.invalidDeviceName("../x", why: "it has a '.' or '..' component"))) {
            try SysfsNode.parse(directory: "x", dev: Self.bytes("188:0\n"), uevent: Self.bytes("MAJOR=188\nMINOR=0\nDEVNAME=../x\n"), subsystemLink: "../class/tty")
        }
        for link in ["", "../class/", "../class/..", "../class/t y"] {
            #expect(throws: SysfsNode.Failure.invalidSubsystem(link)) {
                try SysfsNode.parse(directory: "x", dev: Self.bytes("188:0\n"), uevent: uevent, subsystemLink: link)
            }
        }
    }
}

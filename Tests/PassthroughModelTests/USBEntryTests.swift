import Testing
@testable import PassthroughModel

@Suite("devN entries that select a USB device")
struct USBEntryTests {
    static let coral = [USBIdentity(vendor: 0x1a6e, product: 0x089a), USBIdentity(vendor: 0x18d1, product: 0x9302)]

    @Test func everyUSBKeyIsRead() throws {
        let spec = try DeviceSpec.parse("usb=1a6e:089a;18d1:9302,serial=ABC,usb-port=1-2.3,nodes=all,mode=0660,uid=1000,gid=20,deny-write=1,required=0")
        let selector = try USBSelector(identities: Self.coral, serial: "ABC", port: USBPort("1-2.3"))
        #expect(spec.selector == .usb(selector, nodes: .all))
        #expect(spec.options == NodeOptions(mode: 0o660, uid: 1000, gid: 20, denyWrite: true, required: false))
        #expect(spec.path == nil && spec.containerPath == nil)
        #expect(spec.keysProxmoxRefuses == ["required", "usb", "serial", "usb-port", "nodes"])
    }

    @Test func nodesDefaultToTheDevicesOwnNode() throws {
        let spec = try DeviceSpec.parse("usb=10C4:EA60")
        #expect(spec.selector == .usb(try USBSelector(identities: [USBIdentity(vendor: 0x10c4, product: 0xea60)]), nodes: .usb))
        #expect(try DeviceSpec.parse("usb=10c4:ea60,nodes=usb") == spec)
        #expect(spec.keysProxmoxRefuses == ["usb"])
        #expect(try DeviceSpec.parse("usb-port=2-1").selector == .usb(try USBSelector(port: USBPort("2-1")), nodes: .usb))
    }

    @Test("the label names the key and the selector, for messages")
    func labelUsesTheSelectorsDescription() throws {
        let spec = try DeviceSpec.parse("usb=1a6e:089a,usb-port=1-2")
        #expect(spec.label(DeviceKey(index: 3)!) == "dev3 (usb 1a6e:089a port 1-2)")
        #expect(DeviceSpec(path: "/dev/ttyUSB0").label(DeviceKey(index: 0)!) == "dev0 (/dev/ttyUSB0)")
    }

    static let entries = [
        "usb=1a6e:089a;18d1:9302,serial=ABC,usb-port=1-2.3,nodes=all,mode=0660,uid=1000,gid=20,deny-write=1,required=0",
        "usb=10c4:ea60", "usb-port=1-1", "usb=0403:6001,serial=A9=B:C;D", "usb-port=3-1.2.3.4.5.6,nodes=all,gid=44",
        "usb=ffff:0000,required=0",
    ]

    @Test("an entry written is read back as itself", arguments: entries)
    func roundTrip(value: String) throws {
        let spec = try DeviceSpec.parse(value)
        #expect(spec.entryValue == value)
        #expect(try DeviceSpec.parse(spec.entryValue) == spec)
    }

    @Test("keys in another order, ids in upper case, are written back in one order, and read as the same entry")
    func normalizedWriting() throws {
        #expect(throws: DeviceSpec.Failure.syntax(.unknownKey("USB")), "keys are read as Proxmox reads them, in lower case") {
            try DeviceSpec.parse("USB=1a6e:089a")
        }
        let spec = try DeviceSpec.parse("nodes=all,usb-port=1-2,required=0,usb=1A6E:089A")
        #expect(spec.entryValue == "usb=1a6e:089a,usb-port=1-2,nodes=all,required=0")
        #expect(try DeviceSpec.parse(spec.entryValue) == spec)
    }

    @Test("path and mp cannot go with a USB selector, and the message names the keys")
    func pathAndMountPathAreRefusedWithUSBKeys() {
        #expect(throws: DeviceSpec.Failure.pathWithUSB(pathKeys: ["path"], usbKeys: ["usb"])) { try DeviceSpec.parse("/dev/bus/usb/001/002,usb=1a6e:089a") }
        #expect(throws: DeviceSpec.Failure.pathWithUSB(pathKeys: ["mp"], usbKeys: ["usb", "serial"])) {
            try DeviceSpec.parse("usb=1a6e:089a,serial=X,mp=/dev/coral")
        }
        #expect(throws: DeviceSpec.Failure.pathWithUSB(pathKeys: ["path", "mp"], usbKeys: ["nodes"])) { try DeviceSpec.parse("/dev/a,nodes=all,mp=/dev/b") }
        let message = "\(DeviceSpec.Failure.pathWithUSB(pathKeys: ["path", "mp"], usbKeys: ["usb", "usb-port"]))"
        #expect(message.hasPrefix("'path' and 'mp' cannot be combined with 'usb' and 'usb-port': "))
    }

    @Test("a serial or nodes without ids or a port is refused, naming the keys given")
    func serialAloneIsRefused() {
        #expect(throws: DeviceSpec.Failure.noUSBIdentityOrPort(keys: ["serial"])) { try DeviceSpec.parse("serial=ABC") }
        #expect(throws: DeviceSpec.Failure.noUSBIdentityOrPort(keys: ["serial", "nodes"])) { try DeviceSpec.parse("serial=ABC,nodes=all,mode=0600") }
        #expect("\(DeviceSpec.Failure.noUSBIdentityOrPort(keys: ["serial"]))".hasPrefix("'serial' without 'usb' or 'usb-port': "))
    }

    static let refusals: [(value: String, failure: DeviceSpec.Failure, message: String)] = [
        ("usb=1a6e:89a", .invalidUSB(key: "usb", text: "1a6e:89a", .invalidIdentity("1a6e:89a")), "invalid usb '1a6e:89a': '1a6e:89a' is not a USB vendor:product pair"),
        ("usb=1a6e:089a;", .invalidUSB(key: "usb", text: "1a6e:089a;", .invalidIdentity("")), "invalid usb '1a6e:089a;': '' is not"),
        ("usb=1a6e:089a;1A6E:089A", .invalidUSB(key: "usb", text: "1a6e:089a;1A6E:089A", .repeatedIdentity(USBIdentity(vendor: 0x1a6e, product: 0x089a))),
         "invalid usb '1a6e:089a;1A6E:089A': 1a6e:089a is given twice"),
        ("usb-port=usb1", .invalidUSB(key: "usb-port", text: "usb1", .invalidPort("usb1")), "invalid usb-port 'usb1': 'usb1' is not a USB port"),
        ("usb-port=1-2:1.0", .invalidUSB(key: "usb-port", text: "1-2:1.0", .invalidPort("1-2:1.0")), "invalid usb-port '1-2:1.0'"),
        ("usb=1a6e:089a,serial=a\u{1}b", .invalidUSB(key: "serial", text: "a\u{1}b", .invalidSerial("a\u{1}b")), "invalid serial 'a\\001b'"),
        ("usb=1a6e:089a,nodes=some", .invalidNodes("some"), "invalid nodes 'some': expected usb (the device's own /dev/bus/usb node) or all"),
        ("usb=1a6e:089a,mode=4660", .invalidMode("4660"), "invalid mode '4660'"),
        ("usb=1a6e:089a,usb=18d1:9302", .syntax(.duplicateKey("usb")), "key 'usb' is given more than once"),
        ("usb=", .syntax(.emptyValue(key: "usb")), "'usb=' has an empty value"),
    ]

    @Test("a refused value is named by its key and its text", arguments: refusals)
    func refusalsNameTheKeyAndTheText(value: String, failure: DeviceSpec.Failure, message: String) {
        #expect(throws: failure) { try DeviceSpec.parse(value) }
        #expect("\(failure)".hasPrefix(message), "\(failure)")
    }

    @Test func nodeOptionsAreWrittenInOneOrder() {
        #expect(NodeOptions().entryItems.isEmpty)
        #expect(NodeOptions(mode: 0o600, uid: 1, gid: 2, denyWrite: true, required: false, mountPath: "/dev/b").entryItems
            == ["mode=0600", "uid=1", "gid=2", "deny-write=1", "required=0", "mp=/dev/b"])
    }

    @Test func keysProxmoxRefusesListsTheUSBKeys() {
        #expect(Set(DeviceSpec.keysProxmoxRefuses) == ["required", "mp", "uevent", "usb", "serial", "usb-port", "nodes"])
    }
}

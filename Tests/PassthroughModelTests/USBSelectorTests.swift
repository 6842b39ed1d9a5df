import Testing
import PassthroughModel

@Suite("selecting a USB device by what it is")
struct USBSelectorTests {
    static func device(_ port: String, _ identity: String, serial: String? = nil) -> USBDevice {
        let identity = USBIdentity(identity)!
        return USBDevice(
            port: USBPort(port)!, vendor: identity.vendor, product: identity.product, serial: serial, busNumber: 1, address: 5,
            nodeNumber: DeviceNumber(major: 189, minor: 4))
    }

    static let adapter = device("1-2", "10c4:ea60", serial: "0001")
    static let twin = device("1-3", "10c4:ea60", serial: "0002")
    static let coralBefore = device("2-1.4", "1a6e:089a")
    static let coralAfter = device("2-1.4", "18d1:9302")

    @Test func oneIdentityMatchesEveryDeviceWithIt() throws {
        let selector = try USBSelector.parse(identities: "10c4:ea60")
        #expect(selector.matches(Self.adapter) && selector.matches(Self.twin))
        #expect(!selector.matches(Self.coralBefore))
        #expect(try USBSelector.parse(identities: "10C4:EA60") == selector, "either case")
    }

    @Test func severalIdentitiesMatchAnyOfThem() throws {
        let coral = try USBSelector.parse(identities: "1a6e:089a;18d1:9302")
        #expect(coral.identities == [USBIdentity(vendor: 0x1a6e, product: 0x089a), USBIdentity(vendor: 0x18d1, product: 0x9302)])
        #expect(coral.matches(Self.coralBefore) && coral.matches(Self.coralAfter))
        #expect(!coral.matches(Self.adapter))
        #expect(coral.description == "1a6e:089a;18d1:9302")
    }

    @Test func aSerialTellsTwoIdenticalDevicesApart() throws {
        let selector = try USBSelector.parse(identities: "10c4:ea60", serial: "0002")
        #expect(!selector.matches(Self.adapter) && selector.matches(Self.twin))
        let none = try USBSelector.parse(identities: "10c4:ea60", serial: "0003")
        #expect(!none.matches(Self.adapter) && !none.matches(Self.twin))
        #expect(!selector.matches(Self.device("1-3", "10c4:ea60")), "a device without serial has not this one")
    }

    @Test func aPortTellsTwoIdenticalDevicesApart() throws {
        let selector = try USBSelector.parse(identities: "10c4:ea60", port: "1-2")
        #expect(selector.matches(Self.adapter) && !selector.matches(Self.twin))
    }

    @Test func aPortAloneTakesWhateverIsPluggedThere() throws {
        let selector = try USBSelector.parse(identities: nil, port: "2-1.4")
        #expect(selector.matches(Self.coralBefore) && selector.matches(Self.coralAfter))
        #expect(!selector.matches(Self.adapter))
        #expect(!selector.matches(Self.device("2-1.4.1", "1a6e:089a")), "a device behind a hub on that port is at another port")
    }

    @Test func everyCriterionGivenMustHold() throws {
        let selector = try USBSelector.parse(identities: "1a6e:089a;10c4:ea60", serial: "0001", port: "1-2")
        #expect(selector.matches(Self.adapter))
        #expect(!selector.matches(Self.device("1-2", "10c4:ea61", serial: "0001")), "ids differ")
        #expect(!selector.matches(Self.device("1-2", "10c4:ea60", serial: "0002")), "serial differs")
        #expect(!selector.matches(Self.device("1-4", "10c4:ea60", serial: "0001")), "port differs")
        #expect(selector.description == "1a6e:089a;10c4:ea60 serial 0001 port 1-2")
    }

    @Test(arguments: [
        ("", USBSelector.Failure.invalidIdentity("")),
        ("10c4", .invalidIdentity("10c4")),
        ("10c4:ea6", .invalidIdentity("10c4:ea6")),
        ("0x10c4:ea60", .invalidIdentity("0x10c4:ea60")),
        ("10c4 :ea60", .invalidIdentity("10c4 :ea60")),
        ("10c4:ea60;", .invalidIdentity("")),
        ("10c4:ea60;;1a6e:089a", .invalidIdentity("")),
        ("10c4:ea60,1a6e:089a", .invalidIdentity("10c4:ea60,1a6e:089a")),
        ("10c4:ea60;10C4:EA60", .repeatedIdentity(USBIdentity(vendor: 0x10c4, product: 0xea60))),
    ])
    func badIdentitiesAreRefused(text: String, failure: USBSelector.Failure) {
        #expect(throws: failure) { try USBSelector.parse(identities: text) }
    }

    @Test(arguments: ["", "a\nb", "tab\there", String(repeating: "x", count: 127)])
    func badSerialsAreRefused(serial: String) {
        #expect(throws: USBSelector.Failure.invalidSerial(serial)) { try USBSelector.parse(identities: "10c4:ea60", serial: serial) }
    }

    @Test(arguments: ["1-2:1.0", "usb1", "1-2.", "x"])
    func badPortsAreRefused(port: String) {
        #expect(throws: USBSelector.Failure.invalidPort(port)) { try USBSelector.parse(identities: "10c4:ea60", port: port) }
    }

    @Test func aSerialAloneOrNothingSaysNotWhichDevice() {
        #expect(throws: USBSelector.Failure.noIdentityOrPort) { try USBSelector.parse(identities: nil, serial: "0001") }
        #expect(throws: USBSelector.Failure.noIdentityOrPort) { try USBSelector.parse(identities: nil) }
        #expect(throws: USBSelector.Failure.noIdentityOrPort) { try USBSelector(identities: []) }
    }
}

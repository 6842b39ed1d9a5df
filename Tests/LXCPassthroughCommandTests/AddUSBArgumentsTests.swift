import ArgumentParser
@testable import lxc_passthrough
import PassthroughModel
import Testing

@Suite("add --usb, --usb-port and --nodes: typed values, read by the model's parsers")
struct AddUSBArgumentsTests {
    static func add(_ arguments: [String]) throws -> Add {
        let parsed = try LXCPassthrough.parseAsRoot(["add"] + arguments)
        return try #require(parsed as? Add)
    }

    @Test("--usb repeated for one device that changes its ids, a serial, a port and nodes make one selector")
    func optionsMakeOneSelector() throws {
        let add = try Self.add(["ct", "--usb", "1a6e:089a", "--usb", "18D1:9302:AB:C=1", "--usb-port", "1-2.3", "--nodes", "all"])
        #expect(add.usb.isGiven && add.usb.nodes == .all)
        let selector = try USBIdentityAndSerial.selector(add.usb.identities, port: add.usb.port)
        #expect(selector == (try USBSelector.parse(identities: "1a6e:089a;18d1:9302", serial: "AB:C=1", port: "1-2.3")))
        #expect(try Self.add(["ct", "--usb-port", "2-1"]).usb.port?.name == "2-1")
    }

    static let refusals: [(arguments: [String], option: String)] = [
        (["ct", "--usb", "1a6e"], "--usb <VID:PID[:SERIAL]>"), (["ct", "--usb", "1a6e:89a"], "--usb <VID:PID[:SERIAL]>"),
        (["ct", "--usb", "1a6e:089a:"], "--usb <VID:PID[:SERIAL]>"), (["ct", "--usb", "1a6e:089a:a\u{7}b"], "--usb <VID:PID[:SERIAL]>"),
        (["ct", "--usb-port", "usb1"], "--usb-port <PORT>"), (["ct", "--usb-port", "1-2:1.0"], "--usb-port <PORT>"),
        (["ct", "--usb", "1a6e:089a", "--nodes", "some"], "--nodes <usb|all>"),
    ]

    @Test("a value the model refuses is refused, and ArgumentParser names the option", arguments: refusals)
    func refusedValues(arguments: [String], option: String) throws {
        let error = try #require(throws: (any Error).self) { try LXCPassthrough.parseAsRoot(["add"] + arguments) }
        #expect(LXCPassthrough.exitCode(for: error) == .validationFailure)
        #expect(LXCPassthrough.message(for: error).hasPrefix("The value '\(arguments[arguments.index(before: arguments.endIndex)])' is invalid for '\(option)'"),
                "\(LXCPassthrough.message(for: error))")
    }

    static let combinations: [(arguments: [String], message: String)] = [
        (["ct", "/dev/x", "--usb", "1a6e:089a"], "--usb and --usb-port select a USB device: they take no PATH ('/dev/x')"),
        (["ct", "--gpu", "--usb-port", "1-2"], "--usb and --usb-port select one USB device: they cannot be used with --gpu"),
        (["ct", "--usb", "1a6e:089a", "--mp", "/dev/coral"], "a USB device's nodes go at the paths udev gives them: --mp cannot be used with --usb or --usb-port"),
        // Several at once: the first of PATH, --gpu, --mp is named; --nodes without --usb before --gpu's own checks.
        (["ct", "/dev/x", "--gpu", "--usb", "1a6e:089a"], "--usb and --usb-port select a USB device: they take no PATH ('/dev/x')"),
        (["ct", "--gpu", "--usb", "1a6e:089a", "--mp", "/dev/coral"], "--usb and --usb-port select one USB device: they cannot be used with --gpu"),
        (["ct", "--gpu", "--nodes", "all"], "--nodes says which nodes of a USB device are given: it needs --usb or --usb-port"),
        (["ct", "/dev/x", "--nodes", "all"], "--nodes says which nodes of a USB device are given: it needs --usb or --usb-port"),
        (["ct", "--usb", "1a6e:089a:A", "--usb", "18d1:9302:B"], "one device has one serial: --usb gives 'A' and 'B'"),
        (["ct", "--usb", "1a6e:089a", "--usb", "1A6E:089A"], "1a6e:089a is given twice"),
        (["ct"], "Missing expected argument 'path' (a device or a directory), or --gpu, --usb or --usb-port"),
    ]

    @Test("options that do not go together are refused, saying why", arguments: combinations)
    func refusedCombinations(arguments: [String], message: String) throws {
        let error = try #require(throws: (any Error).self) { try LXCPassthrough.parseAsRoot(["add"] + arguments) }
        #expect(LXCPassthrough.message(for: error) == message)
    }

    @Test func aSerialKeepsItsColonsAndIsCheckedAsAnEntrysIs() throws {
        #expect(try USBIdentityAndSerial("10c4:ea60:0001:2") == USBIdentityAndSerial(identity: USBIdentity(vendor: 0x10c4, product: 0xea60), serial: "0001:2"))
        #expect(try USBIdentityAndSerial("10C4:EA60") == USBIdentityAndSerial(identity: USBIdentity(vendor: 0x10c4, product: 0xea60)))
        #expect(throws: USBSelector.Failure.invalidSerial(String(repeating: "x", count: 127))) {
            try USBIdentityAndSerial("10c4:ea60:" + String(repeating: "x", count: 127))
        }
        #expect(throws: USBSelector.Failure.invalidIdentity("10c4")) { try USBIdentityAndSerial("10c4") }
    }
}

import ArgumentParser
@testable import lxc_passthrough
import PassthroughModel
import Testing

@Suite("attach --usb, --usb-port and --nodes: one selector instead of a path")
struct AttachUSBArgumentsTests {
    static func attach(_ arguments: [String]) throws -> Attach {
        let parsed = try LXCPassthrough.parseAsRoot(["attach"] + arguments)
        return try #require(parsed as? Attach)
    }

    @Test("the options make the invocation's selector; the plain quick form leaves them to ArgumentParser")
    func optionsMakeTheSelector() throws {
        let attach = try Self.attach(["ct", "--usb", "1a6e:089a", "--usb", "18d1:9302", "--usb-port", "2-1", "--nodes", "all", "--temporary", "--gid", "20"])
        let selector = try USBSelector.parse(identities: "1a6e:089a;18d1:9302", port: "2-1")
        #expect(attach.invocation.usb == .usb(selector, nodes: .all) && attach.invocation.temporary && attach.invocation.name == "ct")
        #expect(try Self.attach(["ct", "--usb", "10c4:ea60:0001"]).invocation.usb == .usb(try USBSelector.parse(identities: "10c4:ea60", serial: "0001"), nodes: .usb))
        #expect(try Self.attach(["ct", "/dev/ttyUSB0"]).invocation.usb == nil)
        #expect(QuickCommandLine.parse(["attach", "ct", "--usb", "10c4:ea60"]) == nil, "not a plain form")
    }

    static let combinations: [(arguments: [String], message: String)] = [
        (["ct", "/dev/ttyUSB0", "--usb", "10c4:ea60"], "--usb and --usb-port select a USB device: they take no PATH ('/dev/ttyUSB0')"),
        (["ct", "--usb", "10c4:ea60", "--mp", "/dev/x"], "a USB device's nodes go at the paths udev gives them: --mp cannot be used with --usb or --usb-port"),
        (["ct", "--nodes", "all"], "--nodes says which nodes of a USB device are given: it needs --usb or --usb-port"),
        (["ct", "--usb", "10c4:ea60:A", "--usb", "1a6e:089a:B"], "one device has one serial: --usb gives 'A' and 'B'"),
        (["ct"], "Missing expected argument 'path', or --usb or --usb-port"),
    ]

    @Test("a path with --usb, --mp with --usb, --nodes alone, two serials and nothing at all are refused, saying why", arguments: combinations)
    func refusals(arguments: [String], message: String) throws {
        let error = try #require(throws: (any Error).self) { try LXCPassthrough.parseAsRoot(["attach"] + arguments) }
        #expect(LXCPassthrough.message(for: error) == message)
    }
}

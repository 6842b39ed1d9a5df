import PassthroughModel
import Testing

@Suite("a node's mode: 0 and three octal digits")
struct NodeModeTests {
    @Test(arguments: [("0660", UInt32(0o660)), ("0000", 0), ("0777", 0o777), ("0400", 0o400), ("0604", 0o604)])
    func modesAreRead(text: String, bits: UInt32) throws {
        let mode = try NodeMode(text)
        #expect(mode.bits == bits)
        #expect(mode.description == text, "written back as it was given")
    }

    @Test(arguments: ["660", "4660", "1660", "2660", "07777", "0860", "0x1f", "066", "-660", "0660 ", " 0660", "", "0", "06６0", "+660"])
    func anythingElseIsRefused(text: String) {
        #expect(throws: DeviceSpec.Failure.invalidMode(text)) { try NodeMode(text) }
    }

    @Test func anEntryReadsItsModeWithTheSameParser() throws {
        #expect(try DeviceSpec.parse("/dev/a,mode=0640").mode == NodeMode("0640").bits)
        #expect(throws: DeviceSpec.Failure.invalidMode("4660")) { try DeviceSpec.parse("/dev/a,mode=4660") }
    }
}

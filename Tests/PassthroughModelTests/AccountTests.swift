import PassthroughModel
import Testing

@Suite("an owner on the command line: a number or a name")
struct AccountTests {
    @Test(arguments: [("0", UInt32(0)), ("1000", 1000), ("007", 7), ("4294967294", 4_294_967_294)])
    func digitsAreANumber(text: String, id: UInt32) throws {
        #expect(try Account(text, kind: .users) == .id(id))
        #expect(try Account(text, kind: .groups) == .id(id))
    }

    @Test("anything else but nothing is a name, to be looked up in the container",
          arguments: ["render", "jellyfin", "video2", "-1", "+1", "1.5", " 1", "0x10", "systemd-journal"])
    func otherTextIsAName(text: String) throws {
        #expect(try Account(text, kind: .users) == .name(text))
        #expect(try Account(text, kind: .groups) == .name(text))
    }

    @Test("digits that are no id, and nothing, are refused", arguments: ["4294967295", "99999999999", ""])
    func neitherIsRefused(text: String) {
        #expect(throws: DeviceSpec.Failure.invalidAccount(.users, text: text)) { try Account(text, kind: .users) }
        #expect(throws: DeviceSpec.Failure.invalidAccount(.groups, text: text)) { try Account(text, kind: .groups) }
    }

    @Test func aRefusalNamesTheKeyAndWhatWasExpected() {
        #expect("\(DeviceSpec.Failure.invalidAccount(.users, text: "4294967295"))"
            == "invalid uid '4294967295': expected an integer from 0 to 4294967294, or a user name of the container")
        #expect("\(DeviceSpec.Failure.invalidAccount(.groups, text: ""))"
            == "invalid gid '': expected an integer from 0 to 4294967294, or a group name of the container")
    }
}

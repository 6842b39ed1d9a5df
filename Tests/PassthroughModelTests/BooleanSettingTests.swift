import PassthroughModel
import Testing

@Suite("a yes-or-no value, as Proxmox reads one")
struct BooleanSettingTests {
    @Test(arguments: [("1", true), ("on", true), ("yes", true), ("true", true), ("YES", true), ("On", true), ("True", true),
                      ("0", false), ("off", false), ("no", false), ("false", false), ("No", false), ("FALSE", false), ("oFF", false)])
    func wordsAreRead(text: String, isOn: Bool) throws {
        #expect(try BooleanSetting(text, key: "required").isOn == isOn)
    }

    @Test(arguments: ["2", "y", "n", "enable", "truee", "", " 1", "1 ", "-1", "01"])
    func anythingElseIsRefused(text: String) {
        #expect(throws: DeviceSpec.Failure.invalidBoolean(key: "required", text: text)) { try BooleanSetting(text, key: "required") }
        #expect(throws: DeviceSpec.Failure.invalidBoolean(key: "deny-write", text: text)) { try BooleanSetting(text, key: "deny-write") }
    }

    @Test func anEntryReadsItsBooleansWithTheSameParser() throws {
        let spec = try DeviceSpec.parse("/dev/a,deny-write=On,required=no")
        #expect(spec.denyWrite == (try BooleanSetting("On", key: "deny-write").isOn))
        #expect(spec.required == (try BooleanSetting("no", key: "required").isOn))
    }
}

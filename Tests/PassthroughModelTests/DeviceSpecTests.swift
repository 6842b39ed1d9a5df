import Testing
@testable import PassthroughModel

@Suite("devN property strings")
struct DeviceSpecTests {
    @Test func defaultsApplyWhenOnlyAPathIsGiven() throws {
        let spec = try DeviceSpec.parse("/dev/ttyUSB0")
        #expect(spec == DeviceSpec(path: "/dev/ttyUSB0"))
        #expect(spec.options == NodeOptions(), "nothing but the path is recorded as given")
        #expect((spec.mode, spec.uid, spec.gid, spec.denyWrite, spec.required) == (0o660, 0, 0, false, true))
    }

    @Test func everyKeyIsRead() throws {
        let spec = try DeviceSpec.parse("/dev/ttyUSB0,mode=0640,uid=1000,gid=20,deny-write=1")
        #expect(spec == DeviceSpec(path: "/dev/ttyUSB0", mode: 0o640, uid: 1000, gid: 20, denyWrite: true))
    }

    @Test func pathMayBeGivenByKeyAndInAnyPosition() throws {
        #expect(try DeviceSpec.parse("uid=5,path=/dev/dri/renderD128").path == "/dev/dri/renderD128")
        #expect(try DeviceSpec.parse("mode=0600,/dev/sda").path == "/dev/sda")
    }

    @Test func emptyPartsAreSkipped() throws {
        #expect(try DeviceSpec.parse(",,/dev/sda,,uid=1,").uid == 1)
    }

    @Test func nothingIsTrimmedInsideAPart() {
        // " uid" is not the key "uid".
        #expect(throws: DeviceSpec.Failure.syntax(.unknownKey(" uid"))) { try DeviceSpec.parse("/dev/sda, uid=1") }
        #expect(throws: DeviceSpec.Failure.invalidID(key: "uid", text: "1 ")) { try DeviceSpec.parse("/dev/sda,uid=1 ") }
    }

    @Test func valueSplitsAtTheFirstEquals() {
        #expect(throws: DeviceSpec.Failure.invalidMode("0660=1")) { try DeviceSpec.parse("/dev/sda,mode=0660=1") }
    }

    @Test(arguments: [
        ("/dev/a,/dev/b", DeviceSpec.Failure.syntax(.duplicateKey("path"))),
        ("path=/dev/a,/dev/b", .syntax(.duplicateKey("path"))),
        ("/dev/a,uid=1,uid=2", .syntax(.duplicateKey("uid"))),
        ("/dev/a,owner=1", .syntax(.unknownKey("owner"))),
        ("/dev/a,uid=", .syntax(.emptyValue(key: "uid"))),
        ("/dev/a,=x", .syntax(.emptyKey(part: "=x"))),
        ("mode=0660", .missingPath),
        ("", .missingPath),
    ])
    func syntaxErrors(text: String, failure: DeviceSpec.Failure) {
        #expect(throws: failure) { try DeviceSpec.parse(text) }
    }

    static let outsideDev = "it must start with /dev/"
    static let dotComponent = "it must not contain a '.' or '..' component"

    @Test(arguments: [
        ("dev/ttyUSB0", outsideDev), ("/tmp/x", outsideDev), ("/dev", outsideDev), ("/DEV/sda", outsideDev),
        ("/dev/", "it names no device below /dev/"), ("/dev//", "it names no device below /dev/"),
        ("/dev/../etc/shadow", dotComponent), ("/dev/./sda", dotComponent), ("/dev/sda/..", dotComponent),
        ("/dev/sda/.", dotComponent), ("/dev/bus/../../etc", dotComponent),
    ])
    func invalidPathsAreRefused(path: String, reason: String) {
        #expect(throws: DeviceSpec.Failure.invalidPath(path, reason: reason)) { try DeviceSpec.parse(path) }
    }

    @Test(arguments: ["/dev/..foo", "/dev/.hidden", "/dev/a..b", "/dev/serial/by-id/usb-FTDI_FT232R-if00-port0", "/dev/with space", "/dev//sda"])
    func unusualButValidPathsAreAccepted(path: String) throws {
        #expect(try DeviceSpec.parse(path).path == path)
    }

    @Test func containerPathCollapsesSlashes() throws {
        #expect(try DeviceSpec.parse("/dev//bus///usb/").containerPath == "/dev/bus/usb")
    }

    @Test(arguments: [("0660", UInt32(0o660)), ("0000", 0), ("0777", 0o777), ("0400", 0o400)])
    func validModes(text: String, mode: UInt32) throws {
        #expect(try DeviceSpec.parse("/dev/a,mode=\(text)").mode == mode)
    }

    @Test(arguments: ["660", "4660", "1660", "2660", "07777", "0860", "0x1f", "066", "-660", "0660 "])
    func invalidModes(text: String) {
        #expect(throws: DeviceSpec.Failure.invalidMode(text)) { try DeviceSpec.parse("/dev/a,mode=\(text)") }
    }

    @Test(arguments: ["-1", "abc", "1.5", "+1", "0x10", "4294967295", "99999999999", " 1"])
    func invalidIDs(text: String) {
        #expect(throws: DeviceSpec.Failure.invalidID(key: "uid", text: text)) { try DeviceSpec.parse("/dev/a,uid=\(text)") }
        #expect(throws: DeviceSpec.Failure.invalidID(key: "gid", text: text)) { try DeviceSpec.parse("/dev/a,gid=\(text)") }
    }

    @Test func largestIDIsAccepted() throws {
        #expect(try DeviceSpec.parse("/dev/a,uid=4294967294,gid=007").uid == 4_294_967_294)
        #expect(try DeviceSpec.parse("/dev/a,gid=007").gid == 7)
    }

    @Test(arguments: [("1", true), ("on", true), ("YES", true), ("True", true), ("0", false), ("off", false), ("No", false), ("FALSE", false)])
    func booleans(text: String, value: Bool) throws {
        #expect(try DeviceSpec.parse("/dev/a,deny-write=\(text)").denyWrite == value)
    }

    @Test(arguments: ["2", "y", "enable", "truee"])
    func invalidBooleans(text: String) {
        #expect(throws: DeviceSpec.Failure.invalidBoolean(key: "deny-write", text: text)) {
            try DeviceSpec.parse("/dev/a,deny-write=\(text)")
        }
    }

    @Test func messagesNameTheKeyAndTheText() {
        #expect("\(DeviceSpec.Failure.invalidMode("4660"))".contains("'4660'"))
        #expect("\(DeviceSpec.Failure.invalidID(key: "gid", text: "-3"))".contains("gid '-3'"))
        #expect("\(DeviceSpec.Failure.syntax(.unknownKey("owner")))".contains("'owner'"))
    }

    @Test("a refused value says what was expected; the command line says it after the option's name")
    func refusedValuesSayWhatWasExpected() throws {
        let refusals: [DeviceSpec.Failure] = [
            .invalidMode("4660"), .invalidID(key: "uid", text: "-3"), .invalidAccount(.groups, text: "4294967295"),
            .invalidBoolean(key: "required", text: "maybe"),
        ]
        for refusal in refusals {
            let expectation = try #require(refusal.expectation, "\(refusal)")
            #expect(expectation.hasPrefix("expected "))
            #expect("\(refusal)".hasSuffix("': \(expectation)"), "\(refusal)")
        }
        #expect(DeviceSpec.Failure.invalidMode("4660").expectation == "expected 0 and three octal digits, such as 0660 (no setuid, setgid or sticky bits)")
        #expect(DeviceSpec.Failure.missingPath.expectation == nil)
        #expect(DeviceSpec.Failure.invalidPath("/tmp/x", reason: "r").expectation == nil)
    }

    @Test func requiredAndMountPathAreRead() throws {
        let spec = try DeviceSpec.parse("/dev/serial/by-id/usb-x,required=0,mp=/dev/zigbee")
        #expect(spec == DeviceSpec(path: "/dev/serial/by-id/usb-x", required: false, mountPath: "/dev/zigbee"))
        #expect(spec.containerPath == "/dev/zigbee")
        #expect(spec.keysProxmoxRefuses == ["required", "mp"])
        let plain = try DeviceSpec.parse("/dev/ttyUSB0,required=yes")
        #expect(plain.required && plain.mountPath == nil && plain.containerPath == "/dev/ttyUSB0")
        #expect(plain.keysProxmoxRefuses.isEmpty)
        #expect(try DeviceSpec.parse("/dev/a,mp=/dev//b/").containerPath == "/dev/b")
    }

    @Test func ueventZeroSaysTheContainerIsNotToldAndIsWrittenBack() throws {
        let spec = try DeviceSpec.parse("/dev/ttyACM0,uevent=0")
        #expect(!spec.options.uevents && spec.keysProxmoxRefuses == ["uevent"])
        #expect(spec.entryValue == "/dev/ttyACM0,uevent=0")
        #expect(try DeviceSpec.parse(spec.entryValue) == spec)
        let told = try DeviceSpec.parse("/dev/ttyACM0,uevent=yes")
        #expect(told.options.uevents && told.keysProxmoxRefuses.isEmpty && told.entryValue == "/dev/ttyACM0")
        #expect(try DeviceSpec.parse("usb=10c4:ea60,uevent=off").options.uevents == false)
        #expect(throws: DeviceSpec.Failure.self) { try DeviceSpec.parse("/dev/ttyACM0,uevent=maybe") }
    }

    @Test(arguments: ["/tmp/x", "/dev/", "/dev/../etc/shadow", "dev/x", "/dev/a/./b"])
    func mountPathIsValidatedLikeAPath(mp: String) {
        #expect(throws: DeviceSpec.Failure.invalidMountPath(mp, reason: DevicePath.problem(mp)!)) {
            try DeviceSpec.parse("/dev/ttyUSB0,mp=\(mp)")
        }
        #expect("\(DeviceSpec.Failure.invalidMountPath(mp, reason: "r"))".contains("invalid mp '\(mp)'"))
    }

    @Test func requiredTakesProxmoxBooleans() {
        #expect(throws: DeviceSpec.Failure.invalidBoolean(key: "required", text: "maybe")) { try DeviceSpec.parse("/dev/a,required=maybe") }
    }

    @Test func entryValueWritesOnlyWhatWasGiven() throws {
        #expect(DeviceSpec(path: "/dev/a").entryValue == "/dev/a")
        let spec = DeviceSpec(path: "/dev/a", mode: 0o600, uid: 1, gid: 2, denyWrite: true, required: false, mountPath: "/dev/b")
        #expect(spec.entryValue == "/dev/a,mode=0600,uid=1,gid=2,deny-write=1,required=0,mp=/dev/b")
        #expect(try DeviceSpec.parse(spec.entryValue) == spec)
        // A default given explicitly is kept as given.
        #expect(try DeviceSpec.parse("/dev/a,mode=0660,uid=0").entryValue == "/dev/a,mode=0660,uid=0")
    }

    @Test("a path with '=' is written with its key, so that it is read back as a path")
    func pathWithEqualsSignIsWrittenWithItsKey() throws {
        let spec = try DeviceSpec.parse("path=/dev/a=b")
        #expect(spec.path == "/dev/a=b")
        #expect(spec.entryValue == "path=/dev/a=b")
        #expect(try DeviceSpec.parse(spec.entryValue) == spec)
    }

    @Test func twoEntriesCannotShareAContainerPath() {
        let entries = [
            ContainerConfig.Entry(key: DeviceKey(index: 0)!, value: "/dev/ttyUSB0", origin: "t:1"),
            ContainerConfig.Entry(key: DeviceKey(index: 1)!, value: "/dev/ttyUSB1,mp=/dev/ttyUSB0", origin: "t:2"),
        ]
        let failure = #expect(throws: HookFailure.self) { try DevicePlanner.requestedDevices(entries: entries, idMap: IDMap()) }
        #expect(failure?.device == "dev1 (/dev/ttyUSB1)")
        #expect(failure?.message == "the same path is already passed through by dev0")
    }
}

import Testing
@testable import PassthroughModel

@Suite("config rewriting")
struct ConfigDocumentTests {
    static let samples = [
        "",
        "\n",
        "lxc.uts.name = ct\n",
        "# comment\n\nlxc.uts.name = ct\nunknown line: x\n  indented = 1\n",
        "lxc.uts.name = ct\r\n# crlf comment\r\n\r\ndev0: /dev/a\r\n",
        "lxc.uts.name = ct\ndev0: /dev/a",
        "no newline at all",
        "mixed\r\nendings\nhere\r\n",
        "trailing spaces   \n\ttab\n\u{00e9}t\u{00e9}\n",
        "lxc.uts.name = ct\ndev0: /dev/a\n[snapshot]\ndev1: /dev/b\n",
    ]

    @Test(arguments: samples)
    func textSurvivesParsing(text: String) {
        #expect(ConfigDocument(text).text == text)
    }

    @Test(arguments: samples)
    func addingThenRemovingTheBlockRestoresTheText(text: String) {
        var document = ConfigDocument(text)
        document.replaceBlock(with: ["lxc.cgroup.devices.allow = c 188:0 rw"])
        #expect(document.blockContent == ["lxc.cgroup.devices.allow = c 188:0 rw"])
        #expect(document.text.hasPrefix(text), "the block goes after the text as it was")
        document.replaceBlock(with: [])
        #expect(document.text == text)
    }

    @Test(arguments: samples)
    func addingThenRemovingADeviceRestoresTheText(text: String) {
        var document = ConfigDocument(text)
        let key = DeviceKey(index: 200)!
        document.addDevice(key, value: "/dev/ttyUSB0,uid=5")
        #expect(document.deviceLines().contains { $0.key == key && $0.value == "/dev/ttyUSB0,uid=5" })
        document.replaceBlock(with: ["x = 1"])
        let removed = document.removeDevice(key)
        #expect(removed)
        document.replaceBlock(with: [])
        #expect(document.text == text)
    }

    @Test func theBlockIsReplacedNotRepeatedAndMovesToTheEnd() {
        var document = ConfigDocument("a = 1\n")
        document.replaceBlock(with: ["one"])
        var text = document.text + "lxc.include = later.conf\n"
        document = ConfigDocument(text)
        document.replaceBlock(with: ["two", "three"])
        text = document.text
        #expect(text == "a = 1\nlxc.include = later.conf\n\(ConfigDocument.blockBegin)\ntwo\nthree\n\(ConfigDocument.blockEnd)\n")
    }

    @Test func newLinesFollowTheFilesLineEndings() {
        var document = ConfigDocument("a = 1\r\nb = 2\r\n")
        document.addDevice(DeviceKey(index: 0)!, value: "/dev/a")
        document.replaceBlock(with: ["rule"])
        #expect(document.text == "a = 1\r\nb = 2\r\ndev0: /dev/a\r\n\(ConfigDocument.blockBegin)\r\nrule\r\n\(ConfigDocument.blockEnd)\r\n")
    }

    @Test func aMissingFinalNewlineStaysMissing() {
        var document = ConfigDocument("a = 1\ndev0: /dev/a")
        document.addDevice(DeviceKey(index: 1)!, value: "/dev/b")
        #expect(document.text == "a = 1\ndev0: /dev/a\ndev1: /dev/b")
        document.replaceBlock(with: ["rule"])
        #expect(document.text == "a = 1\ndev0: /dev/a\ndev1: /dev/b\n\(ConfigDocument.blockBegin)\nrule\n\(ConfigDocument.blockEnd)")
    }

    @Test func devicesGoAfterTheLastDeviceLineAndBeforeTheBlock() {
        var document = ConfigDocument("dev0: /dev/a\n# note\nlxc.x = 1\n")
        document.replaceBlock(with: ["rule"])
        document.addDevice(DeviceKey(index: 1)!, value: "/dev/b")
        #expect(document.text.hasPrefix("dev0: /dev/a\ndev1: /dev/b\n# note\n"))
        var empty = ConfigDocument("lxc.x = 1\n")
        empty.replaceBlock(with: ["rule"])
        empty.addDevice(DeviceKey(index: 0)!, value: "/dev/a")
        #expect(empty.text == "lxc.x = 1\ndev0: /dev/a\n\(ConfigDocument.blockBegin)\nrule\n\(ConfigDocument.blockEnd)\n")
    }

    @Test func deviceLinesInsideTheBlockOrAfterASectionAreNotDevices() {
        let document = ConfigDocument("dev0: /dev/a\n\(ConfigDocument.blockBegin)\ndev5: /dev/x\n\(ConfigDocument.blockEnd)\n[snap]\ndev1: /dev/b\n")
        #expect(document.deviceLines().map(\.name) == ["dev0"])
    }

    @Test func includesOutsideTheBlockAreFound() {
        let document = ConfigDocument("lxc.include =   /usr/share/lxc/config/passthrough.conf  \n")
        #expect(document.includes("/usr/share/lxc/config/passthrough.conf"))
        #expect(!ConfigDocument("# lxc.include = /x\n").includes("/x"))
    }
}

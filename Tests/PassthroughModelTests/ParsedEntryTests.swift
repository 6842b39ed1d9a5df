import Testing
@testable import PassthroughModel

@Suite("a config's devN lines, each parsed once with its failure kept")
struct ParsedEntryTests {
    static let text = """
        arch: amd64
        dev0: /dev/ttyUSB0,mode=0600
        dev1: /dev/ttyUSB1,mode=4660
        dev7: usb=1a6e:089a;18d1:9302,nodes=all
        dev256: /dev/null
        dev2: serial=ABC
        \(ConfigDocument.blockBegin)
        dev3: /dev/managed
        \(ConfigDocument.blockEnd)
        [snapshot]
        dev4: /dev/ttyUSB4

        """

    @Test func everyLineIsKeptWithItsEntryOrItsFailure() throws {
        let entries = ConfigDocument(Self.text).parsedEntries()
        #expect(entries.map(\.name) == ["dev0", "dev1", "dev7", "dev256", "dev2"], "the managed block and sections are not entries")
        #expect(entries.map(\.lineNumber) == [2, 3, 4, 5, 6])
        #expect(entries.map(\.key) == [DeviceKey(index: 0), DeviceKey(index: 1), DeviceKey(index: 7), nil, DeviceKey(index: 2)])
        #expect(entries[0].spec == .success(DeviceSpec(path: "/dev/ttyUSB0", mode: 0o600)))
        #expect(entries[1].spec == .failure(.invalidMode("4660")))
        #expect(entries[1].parsed == nil && entries[1].failure == .invalidMode("4660"))
        let coral = try USBSelector.parse(identities: "1a6e:089a;18d1:9302")
        #expect(entries[2].parsed == DeviceSpec(selector: .usb(coral, nodes: .all)))
        #expect(entries[2].failure == nil)
        #expect(entries[3].value == "/dev/null" && entries[3].parsed == DeviceSpec(path: "/dev/null"), "a name that is no key is still read")
        #expect(entries[4].spec == .failure(.noUSBIdentityOrPort(keys: ["serial"])))
    }

    @Test func aConfigWithoutEntriesHasNone() {
        #expect(ConfigDocument("arch: amd64\nlxc.include = /x\n").parsedEntries().isEmpty)
    }
}

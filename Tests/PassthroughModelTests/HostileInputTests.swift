import Testing
@testable import PassthroughModel

/// Oversized and odd text gets a clear error in bounded time and memory.
@Suite("hostile input")
struct HostileInputTests {
    @Test(.timeLimit(.minutes(1)))
    func aMegabyteLineIsAClearErrorNotAHang() throws {
        let path = "/dev/" + String(repeating: "x", count: 1 << 20)
        let entries = try ConfigReader.deviceEntries(text: "dev0: \(path)\n", path: "/c")
        #expect(entries.count == 1)
        #expect(throws: DeviceSpec.Failure.invalidPath(path, reason: "it is longer than PATH_MAX (4096 bytes)")) {
            try DeviceSpec.parse(entries[0].value)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aHundredThousandDeviceLinesStopAtTheFirstBadKey() {
        let text = (0..<100_000).map { "dev\($0): /dev/x\($0)" }.joined(separator: "\n")
        #expect(throws: ConfigError(origin: "/c:257", message: "'dev256' is not a device key: use dev0 to dev255")) {
            try ConfigReader.deviceEntries(text: text, path: "/c")
        }
        let repeated = Array(repeating: "dev7: /dev/x", count: 100_000).joined(separator: "\n")
        #expect(throws: ConfigError(origin: "/c:2", message: "dev7 is given twice (first at /c:1)")) {
            try ConfigReader.deviceEntries(text: repeated, path: "/c")
        }
    }

    @Test func deepIncludesStop() {
        let reader = ConfigReader { path in .text("lxc.include = \(path)x\n") }
        let deepest = "/c" + String(repeating: "x", count: 33)
        #expect(throws: ConfigFailure.invalid(ConfigError(origin: deepest, message: "lxc.include nested more than 32 deep"))) {
            try reader.idMap(configPath: "/c")
        }
    }

    @Test func aDeviceListWithAKeyAboveDev255IsRefused() {
        var text = DeviceList.header + "\n"
        for index in 0..<300 { text += "dev\(index % 256) c 1 \(index) /dev/x\(index)\n" }
        // 300 entries with keys up to dev255 decode (repeated keys are pre-start's to refuse); dev999 does not.
        #expect((try? DeviceList.decode(text))?.items.count == 300)
        #expect(throws: DeviceList.Failure(line: 302, message: "bad node name 'dev999'")) { try DeviceList.decode(text + "dev999 c 1 1 /dev/y\n") }
    }
}

import Testing
@testable import PassthroughCore
#if canImport(Glibc)
import Glibc
#endif

/// Oversized and odd inputs get a clear error in bounded time and memory.
@Suite("hostile input")
struct HostileInputTests {
    func temporaryFile(_ body: (String, Int32) throws -> Void) throws {
        var template = Array("/tmp/lxcpt-hostile.XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        try #require(fd >= 0)
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { close(fd); unlink(path) }
        try body(path, fd)
    }

    @Test func aHundredMegabyteConfigIsRefusedWithoutReadingIt() throws {
        try temporaryFile { path, fd in
            try #require(ftruncate(fd, 100 << 20) == 0)
            #expect {
                _ = try ConfigLoader.content(of: path)
            } throws: { error in
                guard let error = error as? SystemError else { return false }
                return error.errno == EFBIG && error.path == path && error.call == "read"
            }
        }
    }

    @Test func nulBytesAndInvalidUTF8AreRefusedNamingTheFile() {
        #expect { try ConfigLoader.decode(Array("dev0: /dev/a\0b\n".utf8), path: "/c") } throws: { "\($0)".contains("/c: contains a NUL byte") }
        #expect { try ConfigLoader.decode([0x64, 0x65, 0x76, 0xff, 0xfe], path: "/c") } throws: { "\($0)".contains("/c: is not valid UTF-8") }
    }

    @Test func anIncludeOfADeviceIsRefused() {
        #expect { _ = try ConfigLoader.content(of: "/dev/zero") } throws: { "\($0)".contains("a character device, not a regular file") }
    }

    @Test func aMegabyteLineIsAClearErrorNotAHang() throws {
        let path = "/dev/" + String(repeating: "x", count: 1 << 20)
        let entries = try ConfigReader.deviceEntries(text: "dev0: \(path)\n", path: "/c")
        #expect(entries.count == 1)
        #expect(throws: DeviceSpec.Failure.invalidPath(path, reason: "it is longer than PATH_MAX (4096 bytes)")) {
            try DeviceSpec.parse(entries[0].value)
        }
    }

    @Test func aHundredThousandDeviceLinesStopAtTheFirstBadKey() {
        let text = (0..<100_000).map { "dev\($0): /dev/x\($0)" }.joined(separator: "\n")
        #expect { try ConfigReader.deviceEntries(text: text, path: "/c") } throws: { "\($0)".contains("/c:257: 'dev256' is not a device key") }
        let repeated = Array(repeating: "dev7: /dev/x", count: 100_000).joined(separator: "\n")
        #expect { try ConfigReader.deviceEntries(text: repeated, path: "/c") } throws: { "\($0)".contains("dev7 is given twice") }
    }

    @Test func deepIncludesStop() {
        let reader = ConfigReader { path in .text("lxc.include = \(path)x\n") }
        #expect { try reader.idMap(configPath: "/c") } throws: { "\($0)".contains("nested more than 32 deep") }
    }

    @Test func aDeviceListWithAKeyAboveDev255IsRefused() {
        var text = DeviceList.header + "\n"
        for index in 0..<300 { text += "dev\(index % 256) c 1 \(index) /dev/x\(index)\n" }
        // Keys above dev255 cannot appear; 300 entries decode (duplicates are pre-start's to refuse).
        #expect((try? DeviceList.decode(text))?.items.count == 300)
        #expect(throws: DeviceList.Failure.self) { try DeviceList.decode(text + "dev999 c 1 1 /dev/y\n") }
    }
}

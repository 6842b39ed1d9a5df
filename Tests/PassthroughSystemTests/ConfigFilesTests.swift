import Glibc
import PassthroughModel
import PassthroughSystem
import Testing

/// Config files that are too large, not text, or not files get a clear error
/// in bounded time and memory.
@Suite("config files")
struct ConfigFilesTests {
    func temporaryFile(_ body: (String, Int32) throws -> Void) throws {
        var template = Array("/tmp/lxcpt-hostile.XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        try #require(fd >= 0)
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { close(fd); unlink(path) }
        try body(path, fd)
    }

    @Test(.timeLimit(.minutes(1)))
    func aHundredMegabyteConfigIsRefusedWithoutReadingIt() throws {
        try temporaryFile { path, fd in
            try #require(ftruncate(fd, 100 << 20) == 0)
            #expect(throws: ConfigFailure.unreadable(message: "read \(path): File too large (EFBIG)", errno: EFBIG)) {
                try ConfigFiles.content(of: path)
            }
        }
    }

    @Test func nulBytesAndInvalidUTF8AreRefusedNamingTheFile() {
        #expect(throws: ConfigError(origin: "/c", message: "contains a NUL byte")) {
            try ConfigFiles.decode(Array("dev0: /dev/a\0b\n".utf8), path: "/c")
        }
        #expect(throws: ConfigError(origin: "/c", message: "is not valid UTF-8")) {
            try ConfigFiles.decode([0x64, 0x65, 0x76, 0xff, 0xfe], path: "/c")
        }
    }

    @Test func anIncludeOfADeviceIsRefused() {
        #expect(throws: ConfigFailure.invalid(ConfigError(origin: "/dev/zero", message: "included file is a character device, not a regular file"))) {
            try ConfigFiles.content(of: "/dev/zero")
        }
    }

    @Test func aMissingFileIsMissingAndOtherFailuresAreNot() {
        #expect(throws: ConfigFailure.missing(path: "/nonexistent-lxcpt", message: "open /nonexistent-lxcpt: No such file or directory (ENOENT)")) {
            try ConfigFiles.content(of: "/nonexistent-lxcpt")
        }
        #expect(throws: ConfigFailure.unreadable(message: "open /dev/null/x: Not a directory (ENOTDIR)", errno: ENOTDIR)) {
            try ConfigFiles.content(of: "/dev/null/x")
        }
    }
}

import Glibc
import PassthroughModel
@testable import PassthroughSystem
import Testing

@Suite("file descriptors")
struct FileDescriptorTests {
    @Test func errorsNameTheCallThePathAndTheErrno() {
        #expect(throws: SystemError(call: "open", path: "/nonexistent-lxcpt", errno: ENOENT)) {
            _ = try FileDescriptor.open("/nonexistent-lxcpt", flags: O_RDONLY)
        }
        let error = SystemError(call: "open", path: "/nonexistent-lxcpt", errno: ENOENT)
        #expect(error.description == "open /nonexistent-lxcpt: No such file or directory (ENOENT)")
    }

    @Test func theProcPathNamesTheOpenFile() throws {
        let null = try FileDescriptor.open("/dev/null", flags: O_RDONLY)
        let viaPath = try null.withProcPath { path throws(SystemError) in try FileSystem.status(String(cString: path)) }
        #expect(viaPath.st_rdev == (try null.status()).st_rdev)
        #expect(viaPath.st_ino == (try null.status()).st_ino)
        // Numbers of several digits, written in place: copies of it at 10, 100 and 1234 or above.
        for minimum: Int32 in [10, 100, 1234] {
            let number = null.withUnsafeNumber { fcntl($0, F_DUPFD_CLOEXEC, minimum) }
            try #require(number >= minimum)
            let copy = FileDescriptor(rawValue: number, path: "/dev/null")
            #expect(copy.withProcPath { String(cString: $0) } == "/proc/self/fd/\(number)")
        }
    }

    @Test("O_PATH, from the C library's header, gives a descriptor that names a file but cannot read it")
    func pathDescriptorsCannotBeRead() throws {
        let null = try FileDescriptor.open("/dev/null", flags: O_PATH)
        #expect(try null.status().isNode(of: .character, DeviceNumber(major: 1, minor: 3)))
        #expect(throws: SystemError(call: "read", path: "/dev/null", errno: EBADF)) { try null.readAll(limit: 16) }
    }

    @Test func readingStopsAtTheLimit() throws {
        let zero = try FileDescriptor.open("/dev/zero", flags: O_RDONLY)
        #expect(throws: SystemError(call: "read", path: "/dev/zero", errno: EFBIG)) { try zero.readAll(limit: 100_000) }
    }

    @Test("a small file is read whole into one buffer of its limit: a file of the limit is read, one byte more is EFBIG")
    func smallFilesAreReadUpToTheirLimit() throws {
        try SysfsTree.with { tree throws in
            try tree.file("exact", String(repeating: "a", count: 4096))
            try tree.file("over", String(repeating: "b", count: 4097))
            try tree.file("short", "10c4\n")
            let directory = try FileDescriptor.open(tree.root, flags: O_RDONLY | O_DIRECTORY)
            #expect(try directory.readAttribute("exact") == Array(repeating: UInt8(ascii: "a"), count: 4096))
            #expect(throws: SystemError(call: "read", path: tree.root + "/over", errno: EFBIG)) { try directory.readAttribute("over") }
            #expect(try directory.readAttribute("short") == Array("10c4\n".utf8))
            #expect(try directory.readAttribute("absent") == nil)
        }
        let zero = try FileDescriptor.open("/dev/zero", flags: O_RDONLY)
        #expect(throws: SystemError(call: "read", path: "/dev/zero", errno: EFBIG)) { try zero.readSmall(limit: 100) }
        let null = try FileDescriptor.open("/dev/null", flags: O_PATH)
        #expect(throws: SystemError(call: "read", path: "/dev/null", errno: EBADF)) { try null.readSmall(limit: 16) }
    }

    @Test func childrenAreOpenedRelativeToTheDirectoryAndNamedForMessages() throws {
        let dev = try FileDescriptor.open("/dev", flags: O_RDONLY | O_DIRECTORY)
        let null = try dev.open("null", flags: O_RDONLY)
        #expect(null.path == "/dev/null")
        var absent = true
        if try dev.openIfPresent("nonexistent-lxcpt", flags: O_RDONLY) != nil { absent = false }
        #expect(absent, "nil when there is no such file")
        #expect(throws: SystemError(call: "openat", path: "/dev/null/x", errno: ENOTDIR)) {
            _ = try dev.openIfPresent("null/x", flags: O_RDONLY)
        }
    }
}

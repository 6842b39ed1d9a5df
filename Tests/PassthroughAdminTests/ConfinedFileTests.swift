import Glibc
import Testing
import PassthroughContainerEntry
import PassthroughSystem

/// A container's files read from the host: what its root may have put there.
@Suite("reading a container's file confined to its root (openat2 RESOLVE_IN_ROOT)", .timeLimit(.minutes(1)))
struct ConfinedFileTests {
    /// A scratch root file system with /etc, and a "host" file outside it.
    final class Scratch {
        let base: String
        var root: String { base + "/rootfs" }
        var host: String { base + "/host-secret" }

        init() throws {
            var template = Array("/tmp/lxcpt-confined-XXXXXX".utf8CString)
            guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
                throw SystemError(call: "mkdtemp", path: "/tmp", errno: errno)
            }
            base = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            mkdir(root, 0o755)
            mkdir(root + "/etc", 0o755)
            try write(host, "render:x:4242:\n")
        }

        func write(_ path: String, _ text: String) throws {
            let file = try FileDescriptor.open(path, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            try file.writeAll(Array(text.utf8))
        }

        func read(_ path: String) throws(SystemError) -> [UInt8] {
            let root = try FileDescriptor.open(root, flags: O_PATH | O_DIRECTORY)
            return try ConfinedFile.read(path, under: root, describedAs: "rootfs", limit: 1 << 20)
        }

        deinit { _ = system("rm -rf '\(base)'") }
    }

    @Test func aRegularFileIsRead() throws {
        let scratch = try Scratch()
        try scratch.write(scratch.root + "/etc/group", "render:x:992:\n")
        #expect(try scratch.read("/etc/group") == Array("render:x:992:\n".utf8))
    }

    @Test(arguments: ["abs", "rel", "dots"])
    func noSymlinkOrDotsLeadOutOfTheRoot(how: String) throws {
        let scratch = try Scratch()
        let target = how == "abs" ? scratch.host : "../../host-secret"
        if how == "dots" {
            let error = #expect(throws: SystemError.self) { try scratch.read("/../../host-secret") }
            #expect(error?.errno == ENOENT)
            return
        }
        #expect(symlink(target, scratch.root + "/etc/group") == 0)
        // Resolved inside the root: there is no such file there.
        let error = #expect(throws: SystemError.self) { try scratch.read("/etc/group") }
        #expect(error?.call == "openat2" && error?.errno == ENOENT)
    }

    @Test func aMagicLinkIsNotFollowed() throws {
        let scratch = try Scratch()
        mkdir(scratch.root + "/proc", 0o755)
        #expect(symlink("/proc/self/root/" + scratch.host, scratch.root + "/etc/group") == 0)
        #expect(throws: SystemError.self) { try scratch.read("/etc/group") }
    }

    @Test func aFIFOIsRefusedWithoutWaiting() throws {
        let scratch = try Scratch()
        #expect(mkfifo(scratch.root + "/etc/group", 0o644) == 0)
        let error = #expect(throws: SystemError.self) { try scratch.read("/etc/group") }
        #expect(error?.errno == EINVAL && error?.path.contains("FIFO") == true, "\(String(describing: error))")
    }

    @Test func aDirectoryIsRefused() throws {
        let scratch = try Scratch()
        mkdir(scratch.root + "/etc/group", 0o755)
        let error = #expect(throws: SystemError.self) { try scratch.read("/etc/group") }
        #expect(error?.errno == EINVAL && error?.path.contains("directory") == true, "\(String(describing: error))")
    }

    @Test func aHugeFileIsRefusedUnread() throws {
        let scratch = try Scratch()
        let path = scratch.root + "/etc/group"
        let file = try FileDescriptor.open(path, flags: O_WRONLY | O_CREAT, mode: 0o644)
        #expect(file.withUnsafeNumber { ftruncate($0, 2 << 30) } == 0, "a sparse file of 2 GiB")
        let error = #expect(throws: SystemError.self) { try scratch.read("/etc/group") }
        #expect(error?.errno == EFBIG)
    }
}

import Glibc
import PassthroughModel
@testable import PassthroughSystem
import Testing

@Suite("what /proc says of a process")
struct ProcessFilesTests {
    @Test func theStatusNamesTheParentAndAStartInThePast() throws {
        let status = try ProcessStatus.read("self")
        #expect(status.parent == getppid())
        #expect(status.startedAt > 0 && status.startedAt <= ProcessStatus.bootTime())
        #expect(throws: SystemError(call: "open", path: "/proc/nonexistent/stat", errno: ENOENT)) { try ProcessStatus.read("nonexistent") }
    }

    @Test func aCommandWithSpacesAndParenthesesDoesNotShiftTheFields() throws {
        // The command, in parentheses, may hold both: the fields are read after the last ')'.
        // A thread names itself through /proc/thread-self/comm (15 bytes at most).
        let name = { (text: String) -> Bool in
            let fd = open("/proc/thread-self/comm", O_WRONLY)
            defer { close(fd) }
            return fd >= 0 && write(fd, text, text.utf8.count) == text.utf8.count
        }
        let saved = try FileSystem.readFile("/proc/thread-self/comm", limit: 64)
        #expect(name("a) (b c) d"))
        defer { _ = name(String(decoding: saved.dropLast(), as: UTF8.self)) }
        #expect(String(decoding: try FileSystem.readFile("/proc/thread-self/stat", limit: 4096), as: UTF8.self).contains("(a) (b c) d)"))
        let status = try ProcessStatus.read("thread-self")
        #expect(status.parent == getppid())
        #expect(status.startedAt > 0 && status.startedAt <= ProcessStatus.bootTime())
    }

    @Test func aProcessDescriptorNamesItsPidAndAnyOtherFileIsRefused() throws {
        #expect(try FileDescriptor.process(getpid()).processID() == getpid())
        let null = try FileDescriptor.open("/dev/null", flags: O_RDONLY)
        #expect(throws: SystemError.self) { try null.processID() }
    }
}

import Foundation
import Glibc
import Testing
import PassthroughContainerEntry
import PassthroughModel
import PassthroughSystem

/// lxc-passthrough's own device program on a cgroup v2 directory, on the
/// real kernel: a number in its map is denied to the cgroup's processes,
/// and only to them.
@Suite("the device deny program on a cgroup v2 directory (bpf)", .enabled(if: geteuid() == 0), .timeLimit(.minutes(1)))
struct DeviceDenyMapTests {
    /// A fresh cgroup below this host's cgroup v2 hierarchy, removed at the end.
    final class ScratchCgroup {
        let path: String

        init() throws {
            path = try Self.mountPoint() + "/lxcpt-denymap-\(UInt32.random(in: 0...UInt32.max))"
            guard mkdir(path, 0o755) == 0 else { throw SystemError(call: "mkdir", path: path, errno: errno) }
        }

        /// Where the root of the cgroup v2 hierarchy is mounted (mountinfo: root `/`, type `cgroup2`).
        static func mountPoint() throws -> String {
            let mountinfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
            for line in mountinfo.split(separator: "\n") {
                let fields = line.split(separator: " ").map(String.init)
                guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count, fields[3] == "/", fields[dash + 1] == "cgroup2" else { continue }
                return fields[4]
            }
            throw SystemError(call: "mountinfo", path: "/proc/self/mountinfo (no cgroup2 mount)", errno: ENOENT)
        }

        func open() throws(SystemError) -> FileDescriptor {
            try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY)
        }

        /// What `cat /dev/null` says from a shell moved into this cgroup.
        func catDevNull() throws -> String {
            let shell = Process()
            shell.executableURL = URL(fileURLWithPath: "/bin/sh")
            shell.arguments = ["-c", "echo $$ > '\(path)/cgroup.procs' && cat /dev/null 2>&1 && echo opened"]
            let output = Pipe()
            shell.standardOutput = output
            try shell.run()
            shell.waitUntilExit()
            return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        }

        deinit { rmdir(path) }
    }

    static let null = DeviceNumber(major: 1, minor: 3)

    @Test func aNumberInTheMapIsDeniedInTheCgroupAndLiftedAgain() throws {
        let cgroup = try ScratchCgroup()
        #expect(try cgroup.catDevNull() == "opened\n")
        let directory = try cgroup.open()
        let map = try DeviceDenyMap.attach(to: directory)
        #expect(try cgroup.catDevNull() == "opened\n", "an empty map denies nothing")
        try map.deny(.character, Self.null)
        #expect(try map.denies(.character, Self.null))
        #expect(try !map.denies(.block, Self.null), "a block device of the same number is another device")
        #expect(try cgroup.catDevNull() == "cat: /dev/null: Operation not permitted\n")
        // This process is in no such cgroup: the host is untouched.
        let here = Glibc.open("/dev/null", O_RDONLY)
        #expect(here >= 0)
        close(here)
        try map.lift(.character, Self.null)
        try map.lift(.character, Self.null)  // a number not in the map: no failure
        #expect(try cgroup.catDevNull() == "opened\n")
    }

    @Test func theProgramIsFoundAgainByAnotherDescriptor() throws {
        let cgroup = try ScratchCgroup()
        if case .some = try DeviceDenyMap.find(in: try cgroup.open()) { Issue.record("a program was found before any was attached") }
        let first = try DeviceDenyMap.attach(to: try cgroup.open())
        try first.deny(.character, Self.null)
        guard let found = try DeviceDenyMap.find(in: try cgroup.open()) else {
            Issue.record("the program attached was not found")
            return
        }
        #expect(try found.denies(.character, Self.null))
        try found.lift(.character, Self.null)
        #expect(try !first.denies(.character, Self.null), "one map, seen through both")
        let again = try DeviceDenyMap.findOrAttach(to: try cgroup.open())
        try again.deny(.character, Self.null)
        #expect(try first.denies(.character, Self.null), "findOrAttach found it rather than attaching a second")
    }

    @Test func aFullMapRefusesOneNumberMoreByE2BIGAndStillDenies() throws {
        let cgroup = try ScratchCgroup()
        let map = try DeviceDenyMap.attach(to: try cgroup.open())
        #expect(DeviceDenyMap.capacity == 4096)
        // /dev/null first, then numbers of a major no device has.
        try map.deny(.character, Self.null)
        for minor in 1..<UInt32(DeviceDenyMap.capacity) { try map.deny(.block, DeviceNumber(major: 4000, minor: minor)) }
        let error = try #require(throws: SystemError.self) { try map.deny(.block, DeviceNumber(major: 4000, minor: 0)) }
        #expect(error.call == "bpf(BPF_MAP_UPDATE_ELEM)" && error.errno == E2BIG, "\(error)")
        #expect(try !map.denies(.block, DeviceNumber(major: 4000, minor: 0)))
        // What it holds it still denies, and denies again without room for more.
        try map.deny(.character, Self.null)
        #expect(try map.denies(.block, DeviceNumber(major: 4000, minor: UInt32(DeviceDenyMap.capacity) - 1)))
        #expect(try cgroup.catDevNull() == "cat: /dev/null: Operation not permitted\n")
        // A number lifted makes room for one.
        try map.lift(.block, DeviceNumber(major: 4000, minor: 1))
        try map.deny(.block, DeviceNumber(major: 4000, minor: 0))
        #expect(try map.denies(.block, DeviceNumber(major: 4000, minor: 0)))
    }

    @Test func aDirectoryThatIsNoCgroupIsRefusedByItsErrno() throws {
        let directory = try FileDescriptor.open("/tmp", flags: O_RDONLY | O_DIRECTORY)
        let error = try #require(throws: SystemError.self) { _ = try DeviceDenyMap.attach(to: directory) }
        #expect(error.call == "bpf(BPF_PROG_ATTACH)" && error.errno == EBADF, "\(error)")
    }
}

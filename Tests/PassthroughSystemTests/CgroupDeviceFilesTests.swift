import Glibc
import PassthroughModel
@testable import PassthroughSystem
import Testing

@Suite("device rules written into the recorded cgroup directory")
struct CgroupDeviceFilesTests {
    /// A stand-in hierarchy: DIR/payload/devices.allow, and a symlink DIR/link -> payload.
    static func hierarchy() throws -> String {
        var template = Array("/tmp/cgroup-files.XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        let root = String(cString: try #require(made))
        try FileSystem.makeDirectory(root + "/payload", mode: 0o755)
        for name in ["devices.allow", "devices.deny"] {
            let fd = open(root + "/payload/" + name, O_CREAT | O_WRONLY, 0o600)
            try #require(fd >= 0)
            close(fd)
        }
        try #require(symlink("payload", root + "/link") == 0)
        return root
    }

    static func identity(_ path: String) throws -> RunRecord.CgroupDirectory {
        let info = try FileSystem.status(path)
        return RunRecord.CgroupDirectory(path: "/payload", device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    @Test func aRuleGoesIntoTheRecordedDirectorysFile() throws {
        let root = try CgroupDeviceFilesTests.hierarchy()
        defer { _ = system("rm -rf '\(root)'") }
        let directory = try CgroupDeviceFiles.open(try CgroupDeviceFilesTests.identity(root + "/payload"), under: root)
        try CgroupDeviceFiles.write("b 7:3 rw", to: "devices.allow", in: directory)
        #expect(String(decoding: try FileSystem.readFile(root + "/payload/devices.allow", limit: 64), as: UTF8.self) == "b 7:3 rw")
    }

    @Test func anotherDirectoryAtTheRecordedPathIsRefused() throws {
        let root = try CgroupDeviceFilesTests.hierarchy()
        defer { _ = system("rm -rf '\(root)'") }
        var recorded = try CgroupDeviceFilesTests.identity(root + "/payload")
        recorded.inode += 1
        #expect(throws: SystemError(call: "openat2", path: root + "/payload (not the cgroup the container started in)", errno: ESTALE)) {
            _ = try CgroupDeviceFiles.open(recorded, under: root)
        }
    }

    @Test func aSymlinkOnTheWayOrAPathOutOfTheHierarchyIsRefused() throws {
        let root = try CgroupDeviceFilesTests.hierarchy()
        defer { _ = system("rm -rf '\(root)'") }
        var through = try CgroupDeviceFilesTests.identity(root + "/payload")
        through.path = "/link"
        #expect(throws: SystemError(call: "openat2", path: root + "/link", errno: ELOOP)) { _ = try CgroupDeviceFiles.open(through, under: root) }
        var out = through
        out.path = "/../payload"
        #expect(throws: SystemError(call: "openat2", path: root + "/../payload", errno: EXDEV)) { _ = try CgroupDeviceFiles.open(out, under: root) }
    }

    /// A mount table of `text`, in a file of its own, removed after `body`.
    func withMountTable<T>(_ text: String, _ body: (String) throws -> T) throws -> T {
        var template = Array("/tmp/mountinfo.XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        try #require(fd >= 0)
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        defer { unlink(path) }
        _ = text.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        return try body(path)
    }

    @Test func aProcessWithNeitherHierarchyHasNoneToRecord() throws {
        let table = "25 1 0:22 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
        #expect(try withMountTable(table) { try CgroupDeviceFiles.find(pid: getpid(), mountinfo: $0) } == nil)
    }

    @Test func withNoDevicesHierarchyTheCgroupV2DirectoryIsRecorded() throws {
        // This host's cgroup v2 hierarchy, wherever it is mounted (hybrid: /sys/fs/cgroup/unified), alone in the table.
        let mountinfo = try FileSystem.readFile("/proc/self/mountinfo", limit: 4 << 20)
        let mountPoint = try #require(DevicesCgroup.unifiedMountPoint(mountinfo: mountinfo))
        let path = try #require(DevicesCgroup.unifiedPath(procCgroup: try FileSystem.readFile("/proc/self/cgroup", limit: 1 << 16)))
        let table = "30 1 0:26 / \(mountPoint) rw,nosuid - cgroup2 cgroup2 rw\n"
        let found = try #require(try withMountTable(table) { try CgroupDeviceFiles.find(pid: getpid(), mountinfo: $0) })
        var info = stat()
        try #require(stat(mountPoint + path, &info) == 0)
        #expect(found == RunRecord.CgroupDirectory(hierarchy: .v2, path: path, device: UInt64(info.st_dev), inode: UInt64(info.st_ino)))
    }
}

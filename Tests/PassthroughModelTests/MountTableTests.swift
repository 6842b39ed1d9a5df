import Testing
@testable import PassthroughModel

@Suite("the mount table")
struct MountTableTests {
    @Test func mountTableFindsTheTopMountAndUnescapesPaths() {
        let table = MountTable(mountinfo: """
            46 91 0:53 /read-only /dev/loop0 rw,nosuid,noexec,relatime shared:52 - tmpfs lxc-passthrough rw,size=16k
            47 91 0:54 / /dev/my\\040disk rw - tmpfs lxc-passthrough rw
            48 91 0:5 /null /dev/null rw,nosuid - devtmpfs devtmpfs rw
            49 91 0:55 /dev3 /dev/null rw master:1 - tmpfs lxc-passthrough rw
            garbage line
            """)
        #expect(table.entries.count == 4)
        #expect(table.topMount(at: "/dev/loop0")?.root == "/read-only")
        #expect(table.topMount(at: "/dev/my disk")?.source == "lxc-passthrough")
        #expect(table.topMount(at: "/dev/null")?.root == "/dev3", "the last mount at a path is the one on top")
        #expect(table.topMount(at: "/dev/zero") == nil)
        #expect(table.mounts(of: DeviceNumber(major: 0, minor: 53), root: "/read-only").map(\.mountPoint) == ["/dev/loop0"],
                "a node's mounts, by its file system and its name there")
    }

    @Test("a field of '-' before the optional fields is not the separator (found by fuzzing)")
    func dashAsMountPoint() {
        let table = MountTable(mountinfo: "46 91 0:53 - - rw shared:1 - tmpfs lxc-passthrough rw\n")
        #expect(table.entries == [MountTable.Entry(
            device: DeviceNumber(major: 0, minor: 53), root: "-", mountPoint: "-", fileSystemType: "tmpfs", source: "lxc-passthrough", superOptions: "rw")])
    }

    static let copies = """
        46 91 0:53 /read-write-00aa /dev/stick rw,nosuid,noexec,relatime shared:52 - tmpfs lxc-passthrough rw
        47 91 0:53 /read-write-00aa /keep\\040it rw - tmpfs lxc-passthrough rw
        48 91 0:530 /read-write-00aa /dev/other rw - tmpfs lxc-passthrough rw
        49 91 10:53 /read-write-00aa /dev/other2 rw - tmpfs lxc-passthrough rw
        50 91 0:53 /read-write-00ab /dev/next rw - tmpfs lxc-passthrough rw
        51 91 0:53 /read-write-00aa /dev/stick rw - tmpfs lxc-passthrough rw
        52 91 0:53
        garbage
        """

    @Test func theQuickScanFindsWhatTheWholeTableFinds() {
        let bytes = Array(MountTableTests.copies.utf8)
        for (device, root) in [(DeviceNumber(major: 0, minor: 53), "/read-write-00aa"), (DeviceNumber(major: 0, minor: 53), "/read-write-00ab"),
                               (DeviceNumber(major: 0, minor: 530), "/read-write-00aa"), (DeviceNumber(major: 0, minor: 5), "/read-write-00aa")] {
            #expect(MountTable.mountPoints(of: device, root: root, mountinfo: bytes)
                    == MountTable(mountinfo: bytes).mounts(of: device, root: root).map(\.mountPoint), "\(device) \(root)")
        }
        #expect(MountTable.mountPoints(of: DeviceNumber(major: 0, minor: 53), root: "/read-write-00aa", mountinfo: bytes)
                == ["/dev/stick", "/keep it", "/dev/stick"], "0:530 and 10:53 are other file systems; paths unescaped")
    }
}

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
}

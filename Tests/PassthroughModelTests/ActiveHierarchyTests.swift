import Testing
@testable import PassthroughModel

@Suite("the hierarchy of LXC's device rules")
struct ActiveHierarchyTests {
    static let cases: [(String, DeviceRule.Hierarchy)] = [
        ("""
            30 24 0:26 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
            34 24 0:30 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,devices
            35 24 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:16 - cgroup cgroup rw,cpu,cpuacct

            """, .v1),
        ("30 24 0:26 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n", .v2),
        ("35 24 0:31 / /sys/fs/cgroup/cpu rw shared:16 - cgroup cgroup rw,cpu,cpuacct\n", .v2),
        ("", .v2),
        // A mount point named '-' does not hide the devices controller (an old parser took it for the separator).
        ("34 24 0:30 / - rw,nosuid shared:15 - cgroup cgroup rw,devices\n", .v1),
        // Nor does a controller list that only contains the word.
        ("34 24 0:30 / /x rw shared:15 - cgroup cgroup rw,nodevices\n", .v2),
    ]

    @Test("a v1 hierarchy with the devices controller means v1, anything else v2", arguments: cases)
    func hierarchy(mountinfo: String, expected: DeviceRule.Hierarchy) {
        #expect(DeviceRule.Hierarchy(mountinfo: Array(mountinfo.utf8)) == expected)
    }
}

import Testing
@testable import PassthroughModel

@Suite("the hierarchy of LXC's device rules")
struct ActiveHierarchyTests {
    @Test func aV1DevicesControllerMeansV1() {
        let hybrid = MountTable(mountinfo: """
            30 24 0:26 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate
            34 24 0:30 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,devices
            35 24 0:31 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:16 - cgroup cgroup rw,cpu,cpuacct

            """)
        #expect(DeviceRule.Hierarchy(activeIn: hybrid) == .v1)
    }

    @Test func pureV2OrOtherV1ControllersMeanV2() {
        let pure = MountTable(mountinfo: "30 24 0:26 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n")
        #expect(DeviceRule.Hierarchy(activeIn: pure) == .v2)
        let noDevices = MountTable(mountinfo: "35 24 0:31 / /sys/fs/cgroup/cpu rw shared:16 - cgroup cgroup rw,cpu,cpuacct\n")
        #expect(DeviceRule.Hierarchy(activeIn: noDevices) == .v2)
        #expect(DeviceRule.Hierarchy(activeIn: MountTable(mountinfo: "")) == .v2)
    }

    @Test("a mount point named '-' does not hide the devices controller (the old parser took it for the separator)")
    func dashMountPoint() {
        let table = MountTable(mountinfo: "34 24 0:30 / - rw,nosuid shared:15 - cgroup cgroup rw,devices\n")
        #expect(DeviceRule.Hierarchy(activeIn: table) == .v1)
    }
}

import Testing
@testable import PassthroughModel

@Suite("messages to the worker, and where cgroup v1's device files are")
struct MessageFieldsTests {
    @Test func fieldsOfAnyBytesSurviveTheRoundTrip() {
        let fields: [[UInt8]] = [[], Array("place".utf8), [0, 10, 255], Array(repeating: 7, count: 70_000)]
        #expect(MessageFields.decode(MessageFields.encode(fields)) == fields)
        #expect(MessageFields.decode([]) == [], "no field at all")
        #expect(MessageFields.encode(["ab"]) == [2, 0, 0, 0, 97, 98], "the length first, little-endian")
    }

    @Test("a length that runs past the end is refused", arguments: [[1], [1, 0, 0], [3, 0, 0, 0, 97], [1, 0, 0, 0, 97, 5, 0, 0, 0]] as [[UInt8]])
    func truncated(_ bytes: [UInt8]) {
        #expect(MessageFields.decode(bytes) == nil)
    }

    @Test func theDevicesHierarchyIsFoundInTheMountTable() {
        let hybrid = Array("""
            25 1 0:22 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755
            30 25 0:26 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw
            33 25 0:29 /nested /mnt/devices-elsewhere rw - cgroup cgroup rw,devices
            34 25 0:30 / /sys/fs/cgroup/devices rw,nosuid - cgroup cgroup rw,devices
            35 25 0:31 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct
            """.utf8)
        #expect(DevicesCgroup.mountPoint(mountinfo: hybrid) == "/sys/fs/cgroup/devices", "its root mounted, not a part of it")
        #expect(DevicesCgroup.mountPoint(mountinfo: Array("30 1 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n".utf8)) == nil)
    }

    @Test func aProcesssDevicesCgroupIsItsDevicesLine() {
        let hybrid = Array("12:cpu,cpuacct:/lxc.payload.ct\n5:devices:/lxc.payload.ct/inner\n0::/lxc.payload.ct\n".utf8)
        #expect(DevicesCgroup.path(procCgroup: hybrid) == "/lxc.payload.ct/inner")
        #expect(DevicesCgroup.path(procCgroup: Array("0::/lxc.payload.ct\n".utf8)) == nil, "cgroup v2 only")
        #expect(DevicesCgroup.path(procCgroup: Array("5:devices:relative\n7:blkio,devices:/a:b\n".utf8)) == "/a:b",
                "a path that is not absolute is skipped; a colon in the path is kept")
    }

    @Test func theCgroupV2HierarchyAndAProcesssPlaceInIt() {
        let table = Array("""
            30 1 0:26 /nested /mnt/elsewhere rw - cgroup2 cgroup2 rw
            31 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate
            """.utf8)
        #expect(DevicesCgroup.unifiedMountPoint(mountinfo: table) == "/sys/fs/cgroup", "its root mounted, not a part of it")
        #expect(DevicesCgroup.unifiedMountPoint(mountinfo: Array("34 25 0:30 / /sys/fs/cgroup/devices rw - cgroup cgroup rw,devices\n".utf8)) == nil)
        #expect(DevicesCgroup.unifiedPath(procCgroup: Array("5:devices:/lxc.payload.ct\n0::/lxc.payload.ct/inner\n".utf8)) == "/lxc.payload.ct/inner")
        #expect(DevicesCgroup.unifiedPath(procCgroup: Array("0::relative\n5:devices:/x\n".utf8)) == nil, "only an absolute path")
    }
}

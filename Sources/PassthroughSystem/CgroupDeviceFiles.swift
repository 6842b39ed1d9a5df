import CLinuxShims
import Glibc
import PassthroughModel

/// A container's device rules written straight into its cgroup v1
/// directory's `devices.allow` and `devices.deny`, as liblxc's
/// `set_cgroup_item` writes them, without asking the container's monitor
/// for the directory (two round trips a rule). Which directory is the
/// container's comes from the host's record of its start (`RunRecord`):
/// the cgroup its init was put in, found by start-host before the
/// container ran anything, and its identity. It is opened below the
/// hierarchy's mount point through no symlink and on no other mount, and
/// used only when it is still that directory.
public enum CgroupDeviceFiles {
    /// The cgroup of process `pid` where its device rules are kept, with its
    /// identity: in the devices hierarchy where there is one (cgroup v1),
    /// else in the cgroup v2 hierarchy (where LXC attaches its device
    /// program); nil when neither is mounted here.
    public static func find(pid: Int32, mountinfo: String = "/proc/self/mountinfo") throws(SystemError) -> RunRecord.CgroupDirectory? {
        let table = try FileSystem.readFile(mountinfo, limit: 4 << 20)
        let hierarchy: DeviceRule.Hierarchy
        let mountPoint: String
        if let found = DevicesCgroup.mountPoint(mountinfo: table) {
            (hierarchy, mountPoint) = (.v1, found)
        } else if let found = DevicesCgroup.unifiedMountPoint(mountinfo: table) {
            (hierarchy, mountPoint) = (.v2, found)
        } else {
            return nil
        }
        let procCgroup = try FileSystem.readFile("/proc/\(pid)/cgroup", limit: 1 << 16)
        guard let path = hierarchy == .v1 ? DevicesCgroup.path(procCgroup: procCgroup) : DevicesCgroup.unifiedPath(procCgroup: procCgroup)
        else { return nil }
        let directory = try openBeneath(mountPoint, path)
        let info = try directory.status()
        return RunRecord.CgroupDirectory(hierarchy: hierarchy, path: path, device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// The recorded directory, opened below `mountPoint`; refused (ESTALE)
    /// when what is at its path now is another directory. `O_PATH` unless
    /// `readable` (a cgroup v2 directory a program is attached to).
    public static func open(
        _ recorded: RunRecord.CgroupDirectory, under mountPoint: String, readable: Bool = false
    ) throws(SystemError) -> FileDescriptor {
        let directory = try openBeneath(mountPoint, recorded.path, flags: readable ? O_RDONLY : O_PATH)
        let info = try directory.status()
        guard UInt64(info.st_dev) == recorded.device, UInt64(info.st_ino) == recorded.inode else {
            throw SystemError(call: "openat2", path: mountPoint + recorded.path + " (not the cgroup the container started in)", errno: ESTALE)
        }
        return directory
    }

    /// Writes `value` (a rule: `b 7:3 rw`) to the file `name` (`devices.allow`, `devices.deny`) of `directory`.
    public static func write(_ value: String, to name: String, in directory: borrowing FileDescriptor) throws(SystemError) {
        let fd = shim_openat2_beneath(directory.rawValue, name, O_WRONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw SystemError(call: "openat2", path: directory.child(name), errno: errno) }
        let file = FileDescriptor(rawValue: fd, path: directory.child(name))
        // One write: the kernel takes one rule a write.
        let bytes = Array(value.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(file.rawValue, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw SystemError(call: "write", path: file.path, errno: written < 0 ? errno : EIO) }
    }

    private static func openBeneath(_ mountPoint: String, _ path: String, flags: Int32 = O_PATH) throws(SystemError) -> FileDescriptor {
        let base = try FileDescriptor.open(mountPoint, flags: O_PATH | O_DIRECTORY | O_NOFOLLOW)
        let relative = path.drop { $0 == "/" }
        let fd = shim_openat2_beneath(base.rawValue, relative.isEmpty ? "." : String(relative), flags | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError(call: "openat2", path: mountPoint + path, errno: errno) }
        return FileDescriptor(rawValue: fd, path: mountPoint + path)
    }
}

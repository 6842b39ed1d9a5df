/// Where cgroup v1's devices controller is, for writing a container's device
/// rules into its cgroup's `devices.allow` and `devices.deny` directly (what
/// liblxc's `set_cgroup_item` does on cgroup v1, without a round trip to the
/// container's monitor). Pure: the parsing.
public enum DevicesCgroup {
    /// The mount point of the devices hierarchy whose root is mounted (the
    /// host's `/sys/fs/cgroup/devices`), from a mount table; nil on cgroup v2.
    public static func mountPoint(mountinfo: [UInt8]) -> String? {
        MountTable(mountinfo: mountinfo).entries.first { entry in
            entry.fileSystemType == "cgroup" && entry.root == "/" && entry.superOptions.split(separator: ",").contains("devices")
        }?.mountPoint
    }

    /// A process's cgroup in the devices hierarchy (its line of
    /// `/proc/PID/cgroup`: `ID:CONTROLLERS:PATH`, one of the controllers
    /// `devices`); nil when it has none (cgroup v2).
    public static func path(procCgroup bytes: [UInt8]) -> String? {
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: ":"), maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, fields[1].split(separator: UInt8(ascii: ",")).contains(where: { $0.elementsEqual("devices".utf8) }),
                  fields[2].first == UInt8(ascii: "/")
            else { continue }
            return String(decoding: fields[2], as: UTF8.self)
        }
        return nil
    }

    /// The mount point of the cgroup v2 hierarchy whose root is mounted (the
    /// host's `/sys/fs/cgroup` on a pure cgroup v2 host), from a mount table.
    public static func unifiedMountPoint(mountinfo: [UInt8]) -> String? {
        MountTable(mountinfo: mountinfo).entries.first { $0.fileSystemType == "cgroup2" && $0.root == "/" }?.mountPoint
    }

    /// A process's cgroup in the cgroup v2 hierarchy (its line `0::PATH` of
    /// `/proc/PID/cgroup`); nil when it has none.
    public static func unifiedPath(procCgroup bytes: [UInt8]) -> String? {
        for line in bytes.split(separator: UInt8(ascii: "\n")) where line.starts(with: "0::/".utf8) {
            return String(decoding: line.dropFirst(3), as: UTF8.self)
        }
        return nil
    }
}

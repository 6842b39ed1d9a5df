extension DeviceRule.Hierarchy {
    /// The hierarchy LXC uses for device rules on a host with these mounts
    /// (`/proc/PID/mountinfo` as it is): v1 when a cgroup v1 hierarchy has
    /// the devices controller (hybrid hosts), else v2.
    public init(mountinfo: [UInt8]) {
        let devicesOnV1 = MountTable.rows(mountinfo).contains { row in
            row.fileSystemType.elementsEqual("cgroup".utf8)
                && row.superOptions.split(separator: UInt8(ascii: ",")).contains { $0.elementsEqual("devices".utf8) }
        }
        self = devicesOnV1 ? .v1 : .v2
    }
}

import PassthroughModel

extension DeviceRule.Hierarchy {
    /// The hierarchy LXC uses for device rules on this host, from this
    /// process's mount table; v2 when it cannot be read.
    public static func detect(mountinfo: String = "/proc/self/mountinfo") -> DeviceRule.Hierarchy {
        guard let bytes = try? FileSystem.readFile(mountinfo, limit: 4 << 20) else { return .v2 }
        return DeviceRule.Hierarchy(mountinfo: bytes)
    }
}

import PassthroughModel

extension HostLookup {
    /// What `path` is on the host: `stat` following symlinks, as pre-start does.
    public static func live(_ path: String) -> HostLookup {
        do {
            let info = try FileSystem.status(path)
            guard let type = DeviceType(mode: info.st_mode) else {
                return .notADevice("is \(fileTypeName(mode: info.st_mode)) on the host, not a character or block device")
            }
            return .device(HostDevice(type: type, number: info.deviceNumber))
        } catch {
            return .missing("\(error.lookUpVerb) the device on the host: \(error)")
        }
    }
}

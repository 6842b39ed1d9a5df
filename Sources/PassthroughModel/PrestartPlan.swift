/// The steps pre-start takes, derived from the devices and what the host has. Pure.
public struct PrestartPlan: Equatable, Sendable {
    public enum Action: Equatable, Sendable {
        /// Make a fresh tmpfs (`key=value` options, comma-separated), filled
        /// by the actions after it, then mounted on the passthrough directory.
        case mountTmpfs(options: String)
        /// mknod the file named by the key with the host device's type and number.
        case makeNode(DeviceKey, DeviceType, DeviceNumber)
        case setOwner(DeviceKey, uid: UInt32, gid: UInt32)
        case setMode(DeviceKey, UInt32)
        /// An empty file, owned by the container's root, for autodev's error message.
        case makeAutodevErrorFile(uid: UInt32, gid: UInt32)
        case writeList(String)
    }

    /// Room for 256 entries with 255-byte paths even when every byte is
    /// escaped; a root others may pass through but not list (the container's
    /// root opens the files it needs by name).
    public static let tmpfsOptions = "size=1m,nr_inodes=1024,mode=0711"

    public var actions: [Action]

    /// The device (`dev3 (/dev/ttyUSB0)`) each action is for, for messages.
    public var labels: [DeviceKey: String]

    /// - Parameter containerRoot: host ids of the container's root (0:0 when privileged).
    public init(devices: [RequestedDevice], hostDevices: [HostDevice], containerRoot: (uid: UInt32, gid: UInt32) = (0, 0)) {
        precondition(devices.count == hostDevices.count)
        guard !devices.isEmpty else { actions = []; labels = [:]; return }
        var actions: [Action] = [.mountTmpfs(options: PrestartPlan.tmpfsOptions)]
        var items: [DeviceList.Item] = []
        var labels: [DeviceKey: String] = [:]
        for (device, host) in zip(devices, hostDevices) {
            actions.append(.makeNode(device.key, host.type, host.number))
            actions.append(.setOwner(device.key, uid: device.hostUID, gid: device.hostGID))
            actions.append(.setMode(device.key, device.mode))
            items.append(DeviceList.Item(key: device.key, type: host.type, number: host.number, path: device.containerPath))
            labels[device.key] = device.label
        }
        actions.append(.makeAutodevErrorFile(uid: containerRoot.uid, gid: containerRoot.gid))
        actions.append(.writeList(DeviceList(items).encoded()))
        self.actions = actions
        self.labels = labels
    }
}

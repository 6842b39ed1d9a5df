/// A device entry parsed, validated and with its owner mapped to host ids.
public struct RequestedDevice: Equatable, Sendable {
    public var key: DeviceKey
    public var spec: DeviceSpec
    public var hostUID: UInt32
    public var hostGID: UInt32
    /// The node's permission bits.
    public var mode: UInt32
    /// Where the node appears in the container (`spec.containerPath`, computed once).
    public var containerPath: String

    /// `dev3 (/dev/ttyUSB0)`, for messages.
    public var label: String { "\(key) (\(spec.path))" }
}

/// Turns config entries into the devices to pass through. Pure.
public enum DevicePlanner {
    public static func requestedDevices(
        entries: [ContainerConfig.Entry], idMap: IDMap
    ) throws(HookFailure) -> [RequestedDevice] {
        var devices: [RequestedDevice] = []
        var keyForPath: [String: DeviceKey] = [:]
        for entry in entries {
            let spec: DeviceSpec
            do {
                spec = try DeviceSpec.parse(entry.value)
            } catch {
                throw HookFailure(device: "\(entry.key)", "'\(entry.value)' (\(entry.origin)): \(error)")
            }
            let label = "\(entry.key) (\(spec.path))"
            let containerPath = spec.containerPath
            if let earlier = keyForPath[containerPath] {
                throw HookFailure(device: label, "the same path is already passed through by \(earlier)")
            }
            keyForPath[containerPath] = entry.key
            let owner = try hostOwner(of: spec, idMap: idMap, label: label)
            let node = nodeOwnerAndMode(of: spec, hostUID: owner.uid, idMap: idMap)
            devices.append(RequestedDevice(
                key: entry.key, spec: spec, hostUID: node.uid, hostGID: owner.gid, mode: node.mode, containerPath: containerPath))
        }
        return devices
    }

    /// The owner the entry asks for, as host ids; an id the container's id map
    /// does not map is refused (it would show up as nobody).
    static func hostOwner(of spec: DeviceSpec, idMap: IDMap, label: String) throws(HookFailure) -> (uid: UInt32, gid: UInt32) {
        guard let uid = idMap.hostID(for: spec.uid, kind: .user) else {
            throw HookFailure(device: label, "uid \(spec.uid) is not mapped to a host uid by the container's lxc.idmap (\(describe(idMap, .user)))")
        }
        guard let gid = idMap.hostID(for: spec.gid, kind: .group) else {
            throw HookFailure(device: label, "gid \(spec.gid) is not mapped to a host gid by the container's lxc.idmap (\(describe(idMap, .group)))")
        }
        return (uid, gid)
    }

    /// The node's host owner and mode. In an unprivileged container, a
    /// deny-write node belongs to the host's root (unmapped: nobody inside,
    /// who cannot chmod it) and has no write bits. LXC's cgroup v2 rules cannot
    /// stop a read-write open of one device while allowing all others (its eBPF
    /// rules match only subsets of their access), so the file permissions
    /// enforce what the rules cannot.
    static func nodeOwnerAndMode(of spec: DeviceSpec, hostUID: UInt32, idMap: IDMap) -> (uid: UInt32, mode: UInt32) {
        guard spec.denyWrite, !idMap.isPrivileged else { return (hostUID, spec.mode) }
        return (0, spec.mode & ~0o222)
    }

    static func describe(_ map: IDMap, _ kind: IDMap.Kind) -> String {
        let ranges = map.ranges.filter { $0.kind == kind }
        if ranges.isEmpty { return "no \(kind.rawValue) ranges" }
        return ranges.map { "\($0.kind.rawValue) \($0.containerStart) \($0.hostStart) \($0.count)" }.joined(separator: ", ")
    }
}

/// What `stat` found at a device path on the host.
public struct HostDevice: Equatable, Sendable {
    public var type: DeviceType
    public var number: DeviceNumber

    public init(type: DeviceType, number: DeviceNumber) {
        self.type = type
        self.number = number
    }
}

/// The steps pre-start takes, derived from the devices and what the host has. Pure.
public struct PrestartPlan: Equatable, Sendable {
    public enum Action: Equatable, Sendable {
        /// Mount a fresh tmpfs on the passthrough directory.
        case mountTmpfs(options: String)
        /// mknod the file named by the key with the host device's type and number.
        case makeNode(DeviceKey, DeviceType, DeviceNumber)
        case setOwner(DeviceKey, uid: UInt32, gid: UInt32)
        case setMode(DeviceKey, UInt32)
        /// An empty file, owned by the container's root, for autodev's error message.
        case makeAutodevErrorFile(uid: UInt32, gid: UInt32)
        case writeList(String)
    }

    /// Room for 256 entries with 255-byte paths even when every byte is escaped.
    public static let tmpfsOptions = "size=1m,nr_inodes=1024,mode=0755"

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

/// A device entry parsed, validated and with its owner mapped to host ids.
public struct RequestedDevice: Equatable, Sendable {
    public var key: DeviceKey
    public var spec: DeviceSpec
    public var hostUID: UInt32
    public var hostGID: UInt32
    /// The node's permission bits.
    public var mode: UInt32
    /// Where a path entry's node appears in the container (`spec.containerPath`,
    /// computed once); nil for a USB entry, whose nodes go at the paths udev
    /// gives them on the host, known once they are found.
    public var containerPath: String?

    /// `dev3 (/dev/ttyUSB0)`, for messages.
    public var label: String { spec.label(key) }
}

/// Turns config entries into the devices to pass through. Pure.
public enum DevicePlanner {
    /// Every entry, as pre-start takes them: the first problem refuses them all.
    public static func requestedDevices(
        entries: [ContainerConfig.Entry], idMap: IDMap
    ) throws(HookFailure) -> [RequestedDevice] {
        var claimed: [String: DeviceKey] = [:]
        var devices: [RequestedDevice] = []
        for entry in entries {
            devices.append(try requestedDevice(entry, idMap: idMap, claimed: &claimed))
        }
        return devices
    }

    /// One entry parsed, validated and its owner mapped. `claimed` holds the
    /// container paths of the entries before it (an entry whose value parses
    /// claims its path, even if it is refused for another reason).
    public static func requestedDevice(
        _ entry: ContainerConfig.Entry, idMap: IDMap, claimed: inout [String: DeviceKey]
    ) throws(HookFailure) -> RequestedDevice {
        let spec: DeviceSpec
        do {
            spec = try DeviceSpec.parse(entry.value)
        } catch {
            throw parseFailure(entry, error)
        }
        return try requestedDevice(key: entry.key, spec: spec, idMap: idMap, claimed: &claimed)
    }

    /// Pre-start's refusal of an entry that does not parse.
    public static func parseFailure(_ entry: ContainerConfig.Entry, _ failure: DeviceSpec.Failure) -> HookFailure {
        HookFailure(device: "\(entry.key)", "'\(entry.value)' (\(entry.origin)): \(failure)")
    }

    /// An entry already parsed, validated and its owner mapped, as `requestedDevice(_:idMap:claimed:)`.
    public static func requestedDevice(
        key: DeviceKey, spec: DeviceSpec, idMap: IDMap, claimed: inout [String: DeviceKey]
    ) throws(HookFailure) -> RequestedDevice {
        // A USB entry's container paths are those of the nodes found, claimed when they are (`claim`).
        // The label is only made for a refusal: making it cost thousands of instructions per device.
        let containerPath = spec.containerPath
        if let containerPath { try claim(containerPath, by: key, label: spec.label(key), claimed: &claimed) }
        let owner = try hostOwner(of: spec, idMap: idMap, label: spec.label(key))
        let node = nodeOwnerAndMode(of: spec, hostUID: owner.uid, idMap: idMap)
        return RequestedDevice(
            key: key, spec: spec, hostUID: node.uid, hostGID: owner.gid, mode: node.mode, containerPath: containerPath)
    }

    /// Claims `containerPath` for the entry `key`: refused when an earlier
    /// entry has it (two nodes at one path: the second would hide the first).
    public static func claim(_ containerPath: String, by key: DeviceKey, label: @autoclosure () -> String, claimed: inout [String: DeviceKey]) throws(HookFailure) {
        if let earlier = claimed[containerPath], earlier != key {
            throw HookFailure(device: label(), "the same path is already passed through by \(earlier)")
        }
        claimed[containerPath] = key
    }

    /// The owner the entry asks for, as host ids; an id the container's id map
    /// does not map is refused (it would show up as nobody).
    public static func hostOwner(of spec: DeviceSpec, idMap: IDMap, label: @autoclosure () -> String) throws(HookFailure) -> (uid: UInt32, gid: UInt32) {
        guard let uid = idMap.hostID(for: spec.uid, kind: .user) else {
            throw HookFailure(device: label(), "uid \(spec.uid) is not mapped to a host uid by the container's lxc.idmap (\(describe(idMap, .user)))")
        }
        guard let gid = idMap.hostID(for: spec.gid, kind: .group) else {
            throw HookFailure(device: label(), "gid \(spec.gid) is not mapped to a host gid by the container's lxc.idmap (\(describe(idMap, .group)))")
        }
        return (uid, gid)
    }

    /// The node's host owner and mode. In an unprivileged container, a
    /// deny-write node belongs to the host's root (unmapped: nobody inside,
    /// who cannot chmod it) and has no write bits. LXC's cgroup v2 rules cannot
    /// stop a read-write open of one device while allowing all others (its eBPF
    /// rules match only subsets of their access), so the file permissions
    /// enforce what the rules cannot.
    public static func nodeOwnerAndMode(of spec: DeviceSpec, hostUID: UInt32, idMap: IDMap) -> (uid: UInt32, mode: UInt32) {
        guard spec.denyWrite, !idMap.isPrivileged else { return (hostUID, spec.mode) }
        return (0, spec.mode & ~0o222)
    }

    public static func describe(_ map: IDMap, _ kind: IDMap.Kind) -> String {
        let ranges = map.ranges.filter { $0.kind == kind }
        if ranges.isEmpty { return "no \(kind.rawValue) ranges" }
        return ranges.map { "\($0.kind.rawValue) \($0.containerStart) \($0.hostStart) \($0.count)" }.joined(separator: ", ")
    }
}

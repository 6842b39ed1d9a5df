import CNamespaceShims
import Glibc
import PassthroughModel
import PassthroughSystem

/// lxc-passthrough's own device program on a container's cgroup (cgroup v2),
/// by its map: a device number put into the map is denied to every process
/// of the cgroup at once, whatever LXC's own program allows.
///
/// Why: on cgroup v2 a device rule goes through the container's monitor,
/// which compiles, loads and attaches a new program for each one (a round
/// trip of 0.6 to 1.2 ms here). Taking a device back is urgent and must not
/// wait on a monitor; with this map it is one `bpf` call, and LXC's own list
/// is brought level afterwards (the same deny, sent when the device is given
/// to no one any more). The number stays in the map until lxc-passthrough
/// allows it again: LXC's program does not take a deny out of a broader or
/// other rule of the same number, as cgroup v1 does. The kernel allows an
/// access only when every program attached to the cgroup and its ancestors
/// allows it: this one can only take access away, never give it, so nothing
/// LXC denies is opened by it.
///
/// The program is attached once (`BPF_F_ALLOW_MULTI`, as LXC attaches its
/// own) and stays attached until the cgroup is removed with the container's
/// stop; it is found again by its name (`lxcpt_deny`) by any later process
/// of lxc-passthrough. Loading, attaching and finding it take root
/// (CAP_SYS_ADMIN in the host's user namespace): an unprivileged container's
/// root cannot see it or change it.
public struct DeviceDenyMap: ~Copyable {
    let map: FileDescriptor

    /// How many devices the map holds at most; one more is refused with E2BIG.
    public static let capacity = Int(shim_device_deny_capacity)

    /// The map of the program attached to `cgroup` (a directory of the
    /// cgroup v2 hierarchy), nil when none is.
    public static func find(in cgroup: borrowing FileDescriptor) throws(SystemError) -> DeviceDenyMap? {
        var map: Int32 = -1
        let found = cgroup.withUnsafeNumber { shim_device_deny_find($0, &map) }
        guard found == 0 else { throw SystemError(call: "bpf(BPF_PROG_QUERY)", path: cgroup.path, errno: errno) }
        guard map >= 0 else { return nil }
        return DeviceDenyMap(map: .adopting(map, path: cgroup.path + " (lxcpt_denied)"))
    }

    /// Loads the program with an empty map and attaches it to `cgroup`.
    public static func attach(to cgroup: borrowing FileDescriptor) throws(SystemError) -> DeviceDenyMap {
        var map: Int32 = -1
        let result = cgroup.withUnsafeNumber { shim_device_deny_attach($0, &map) }
        guard result == 0 else {
            let call = result == -1 ? "bpf(BPF_MAP_CREATE)" : result == -2 ? "bpf(BPF_PROG_LOAD)" : "bpf(BPF_PROG_ATTACH)"
            throw SystemError(call: call, path: cgroup.path, errno: errno)
        }
        return DeviceDenyMap(map: .adopting(map, path: cgroup.path + " (lxcpt_denied)"))
    }

    /// The program attached to `cgroup`, found, or attached when there is none.
    public static func findOrAttach(to cgroup: borrowing FileDescriptor) throws(SystemError) -> DeviceDenyMap {
        if let found = try find(in: cgroup) { return found }
        return try attach(to: cgroup)
    }

    /// Denies every access to the device (E2BIG: the map is full).
    public func deny(_ type: DeviceType, _ number: DeviceNumber) throws(SystemError) {
        try set(type, number, denied: true)
    }

    /// No longer denies the device here (what LXC's program says of it goes).
    public func lift(_ type: DeviceType, _ number: DeviceNumber) throws(SystemError) {
        try set(type, number, denied: false)
    }

    /// Whether the device is denied here.
    public func denies(_ type: DeviceType, _ number: DeviceNumber) throws(SystemError) -> Bool {
        let result = map.withUnsafeNumber { shim_device_deny_contains($0, type == .block ? 1 : 0, number.major, number.minor) }
        guard result >= 0 else { throw SystemError(call: "bpf(BPF_MAP_LOOKUP_ELEM)", path: map.path, errno: errno) }
        return result == 1
    }

    private func set(_ type: DeviceType, _ number: DeviceNumber, denied: Bool) throws(SystemError) {
        let result = map.withUnsafeNumber { shim_device_deny_set($0, type == .block ? 1 : 0, number.major, number.minor, denied ? 1 : 0) }
        guard result == 0 else {
            throw SystemError(call: denied ? "bpf(BPF_MAP_UPDATE_ELEM)" : "bpf(BPF_MAP_DELETE_ELEM)", path: map.path, errno: errno)
        }
    }
}

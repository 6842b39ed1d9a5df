/// How a passed-through node is made in the container, whatever selects the
/// device: its permission bits, owner and group as the container sees them,
/// whether it may be written, whether the start needs it, and where it goes.
/// The one type for an entry as written (`DeviceSpec`), an entry `add` writes,
/// a live `attach`, and the command line's options.
///
/// `mode`, `uid` and `gid` are nil when not given, so that an entry written
/// back holds only what was asked for (`/dev/a,uid=1000`, not every default);
/// `nodeMode`, `nodeUID` and `nodeGID` are the values in force.
public struct NodeOptions: Hashable, Sendable {
    public static let defaultMode: UInt32 = 0o660

    /// The permission bits (no file type, no setuid/setgid/sticky); nil: `defaultMode`.
    public var mode: UInt32?
    /// Owner as the container sees it; nil: 0.
    public var uid: UInt32?
    /// Group as the container sees it; nil: 0.
    public var gid: UInt32?
    public var denyWrite: Bool
    /// `required=0`: a device absent at start does not stop the start; it is
    /// put in when it appears (by `lxc-passthrough watch`).
    public var required: Bool
    /// `mp=`: where the node appears in the container, when not at its host path.
    public var mountPath: String?
    /// `uevent=0`: a container the kernel's uevents do not reach (an
    /// unprivileged one) is not told of the node with one of ours when it is
    /// given or taken back live (for software inside that must not react to it).
    public var uevents: Bool

    public init(
        mode: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil, denyWrite: Bool = false, required: Bool = true,
        mountPath: String? = nil, uevents: Bool = true
    ) {
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.denyWrite = denyWrite
        self.required = required
        self.mountPath = mountPath
        self.uevents = uevents
    }

    public var nodeMode: UInt32 { mode ?? NodeOptions.defaultMode }
    public var nodeUID: UInt32 { uid ?? 0 }
    public var nodeGID: UInt32 { gid ?? 0 }

    /// The options from a `devN` value's pairs (other keys are not looked at).
    static func parse(_ pairs: DeviceSpec.Pairs) throws(DeviceSpec.Failure) -> NodeOptions {
        var options = NodeOptions()
        if let mode = pairs[.mode] { options.mode = try NodeMode(mode).bits }
        if let uid = pairs[.uid] { options.uid = try DeviceSpec.parseID(uid, key: "uid") }
        if let gid = pairs[.gid] { options.gid = try DeviceSpec.parseID(gid, key: "gid") }
        if let flag = pairs[.denyWrite] { options.denyWrite = try BooleanSetting(flag, key: "deny-write").isOn }
        if let flag = pairs[.required] { options.required = try BooleanSetting(flag, key: "required").isOn }
        if let flag = pairs[.uevent] { options.uevents = try BooleanSetting(flag, key: "uevent").isOn }
        if let mountPath = pairs[.mp] {
            if let reason = DevicePath.problem(mountPath) { throw .invalidMountPath(mountPath, reason: reason) }
            options.mountPath = mountPath
        }
        return options
    }

    /// The `key=value` items of a `devN` value, only for what was given or
    /// differs from the defaults, in the order Proxmox's own keys come first.
    public var entryItems: [String] {
        var items: [String] = []
        if let mode { items.append("mode=\(octal(mode))") }
        if let uid { items.append("uid=\(uid)") }
        if let gid { items.append("gid=\(gid)") }
        if denyWrite { items.append("deny-write=1") }
        if !required { items.append("required=0") }
        if let mountPath { items.append("mp=\(mountPath)") }
        if !uevents { items.append("uevent=0") }
        return items
    }
}

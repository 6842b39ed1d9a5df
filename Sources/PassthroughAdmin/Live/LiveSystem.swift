import PassthroughModel
import PassthroughSystem

/// What `attach` and `detach` do to a running container, behind one
/// protocol so that their ordering and rollback are tested without LXC.
/// `LinuxLiveSystem` is the real one.
public protocol LiveSystem {
    /// The container's init process; refuses when the container is not running.
    func running(_ container: ManagedContainer) throws(AdminError) -> RunningContainer
    /// Adds device cgroup rules to the running container, in order (all or none).
    func apply(_ rules: [DeviceRule], to container: ManagedContainer) throws(AdminError)
    /// Makes the node and puts it at its path in the container's `/dev`,
    /// making what is missing there as the container's root (`root`, host
    /// ids); refuses when something is already there. All or nothing.
    func place(_ node: DeviceNode, in running: RunningContainer, as root: (uid: UInt32, gid: UInt32)) throws(AdminError)
    /// The node lxc-passthrough put at `containerPath`; refuses when there is
    /// none, or when the mount there is not lxc-passthrough's.
    func placedNode(at containerPath: String, in running: RunningContainer) throws(AdminError) -> DeviceNode
    /// Unmounts the node at `containerPath` and removes its mount point.
    func remove(at containerPath: String, in running: RunningContainer) throws(AdminError)
    /// Processes in the container that still have the device open.
    func holders(of type: DeviceType, _ number: DeviceNumber, in running: RunningContainer) -> [DeviceHolder]
}

/// A running container: its init process, and a descriptor for it that
/// keeps naming that process even if its pid is reused.
public final class RunningContainer {
    public let name: String
    public let pid: Int32
    public let pidfd: FileDescriptor

    public init(name: String, pid: Int32, pidfd: consuming FileDescriptor) {
        self.name = name
        self.pid = pid
        self.pidfd = pidfd
    }
}

/// A device node in a running container: one to put there, or one found there.
public struct DeviceNode: Equatable, Sendable {
    public var containerPath: String
    public var type: DeviceType
    public var number: DeviceNumber
    public var mode: UInt32
    public var hostUID: UInt32
    public var hostGID: UInt32
    /// Whether the device is read-only to the container (deny-write).
    /// `attach` records it in the node's mount (its root is `/read-only`),
    /// so that `detach` takes back the rule `attach` gave; nil for a node
    /// found where the hooks put it at start (its entry says).
    public var readOnly: Bool?
}

/// A process that has a device open.
public struct DeviceHolder: Equatable, Sendable, CustomStringConvertible {
    public var hostPID: Int32
    /// Its pid in the container's pid namespace, when the kernel says.
    public var containerPID: Int32?
    public var command: String

    public var description: String {
        let inside = containerPID.map { "pid \($0) in the container, " } ?? ""
        return "\(inside)host pid \(hostPID) (\(command))"
    }
}

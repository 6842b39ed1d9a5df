/// What `attach` and `detach` do to a running container, behind one
/// protocol so that their ordering and rollback are tested without LXC.
/// `LinuxLiveSystem` is the real one.
public protocol LiveSystem {
    /// The container's init process; refuses when the container is not running.
    func running(_ container: ManagedContainer) throws -> RunningContainer
    /// Adds device cgroup rules to the running container, in order (all or none).
    func apply(_ rules: [DeviceRule], to container: ManagedContainer) throws
    /// Makes the node and puts it at its path in the container's `/dev`;
    /// refuses when something is already there. All or nothing.
    func place(_ node: LiveNode, in running: RunningContainer) throws
    /// The node lxc-passthrough put at `containerPath`; refuses when there is
    /// none, or when the mount there is not lxc-passthrough's.
    func placedNode(at containerPath: String, in running: RunningContainer) throws -> PlacedNode
    /// Unmounts the node at `containerPath` and removes its mount point.
    func remove(at containerPath: String, in running: RunningContainer) throws
    /// Processes in the container that still have the device open.
    func holders(of type: DeviceType, _ number: DeviceNumber, in running: RunningContainer) -> [DeviceHolder]
}

/// A running container: its init process, and a pidfd for it (nil in tests).
public struct RunningContainer {
    public var name: String
    public var pid: Int32
    public var pidfd: FileDescriptor?

    public init(name: String, pid: Int32, pidfd: FileDescriptor?) {
        self.name = name
        self.pid = pid
        self.pidfd = pidfd
    }
}

/// A node to put into a running container.
public struct LiveNode: Equatable, Sendable {
    public var containerPath: String
    public var type: DeviceType
    public var number: DeviceNumber
    public var mode: UInt32
    public var hostUID: UInt32
    public var hostGID: UInt32
    /// Recorded in the mount (its root is `/read-only`), so that `detach`
    /// takes back the rule `attach` gave.
    public var readOnly: Bool
    /// The container's root as host ids: the owner of directories and mount points made in its `/dev`.
    public var rootUID: UInt32
    public var rootGID: UInt32
}

/// A node lxc-passthrough put into a running container, as found there.
public struct PlacedNode: Equatable, Sendable {
    public var containerPath: String
    public var type: DeviceType
    public var number: DeviceNumber
    public var mode: UInt32
    public var hostUID: UInt32
    public var hostGID: UInt32
    /// From an attached node's mount; nil for one the hooks put there at start.
    public var readOnly: Bool?

    public init(containerPath: String, type: DeviceType, number: DeviceNumber, mode: UInt32, hostUID: UInt32, hostGID: UInt32, readOnly: Bool?) {
        self.containerPath = containerPath
        self.type = type
        self.number = number
        self.mode = mode
        self.hostUID = hostUID
        self.hostGID = hostGID
        self.readOnly = readOnly
    }
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

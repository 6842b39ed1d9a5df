import PassthroughModel
import PassthroughSystem

/// What `attach` and `detach` do to a running container, behind one
/// protocol so that their ordering and rollback are tested without LXC.
/// `LinuxLiveSystem` is the real one.
public protocol LiveSystem {
    /// Whether the container runs and, when it does, its init process and
    /// what the kernel says of it.
    func state(of container: ManagedContainer) throws(AdminError) -> ContainerState
    /// Adds device cgroup rules to the running container, in order (all or none).
    func apply(_ rules: [DeviceRule], to running: RunningContainer) throws(AdminError)
    /// Makes the node and puts it at its path in the container's `/dev`,
    /// making what is missing there as the container's root; refuses when
    /// something is already there. All or nothing. Returns the node's identity.
    func place(_ node: DeviceNode, in running: RunningContainer) throws(AdminError) -> GrantRecord.NodeIdentity
    /// Takes the node of `grant` out of the container: every mount of it,
    /// found by its identity, and what the container stacked on it at its
    /// path. `onlyAtItsPath`: the mounts of it on top at its path, and no
    /// more (no mount table is read: the watcher frees the path for a new
    /// device first, and takes out the rest once that device is given).
    func remove(_ grant: GrantRecord.Grant, from running: RunningContainer, onlyAtItsPath: Bool) throws(AdminError) -> Removal
    /// A device renumbered behind its path: the node of `grant` taken out at
    /// its path (as `remove` with `onlyAtItsPath`), then, when nothing of it
    /// is left there, `node` put in (as `place`), in one entry into the
    /// container. Throws what `remove` throws; whether the new node was put
    /// in is in the answer.
    func replace(_ grant: GrantRecord.Grant, with node: DeviceNode, in running: RunningContainer) throws(AdminError) -> Replacement
    /// Processes in the container that still have the device open.
    func holders(of type: DeviceType, _ number: DeviceNumber, in running: RunningContainer) -> [DeviceHolder]
    /// The host's record of what the container was given; nil when there is none.
    func record(of container: ManagedContainer) throws(AdminError) -> GrantRecord?
    /// Replaces the host's record.
    func save(_ record: GrantRecord, of container: ManagedContainer) throws(AdminError)
    /// Drops whatever is kept of a container that is gone.
    func forget(_ container: ManagedContainer)
    /// Finishes what `apply` left for later (LXC's own list brought level
    /// with denies already in force); a line for each thing that failed.
    func settle(_ running: RunningContainer) -> [String]
}

extension LiveSystem {
    public func forget(_ container: ManagedContainer) {}
    public func settle(_ running: RunningContainer) -> [String] { [] }

    /// `replace` as `remove`, then `place`.
    public func replace(_ grant: GrantRecord.Grant, with node: DeviceNode, in running: RunningContainer) throws(AdminError) -> Replacement {
        try replaceInTwoSteps(grant, with: node, in: running)
    }

    /// `remove` at the grant's path, then, when nothing of it is left there,
    /// `place`: `replace` for a live system that cannot do both in one entry.
    public func replaceInTwoSteps(_ grant: GrantRecord.Grant, with node: DeviceNode, in running: RunningContainer) throws(AdminError) -> Replacement {
        let removal = try remove(grant, from: running, onlyAtItsPath: true)
        guard removal.unreachable.isEmpty else { return Replacement(removal: removal, placed: .failure(Replacement.pathTaken(node.containerPath))) }
        do {
            return Replacement(removal: removal, placed: .success(try place(node, in: running)))
        } catch {
            return Replacement(removal: removal, placed: .failure(error))
        }
    }

    /// Every mount of the node of `grant` taken out of the container.
    public func remove(_ grant: GrantRecord.Grant, from running: RunningContainer) throws(AdminError) -> Removal {
        try remove(grant, from: running, onlyAtItsPath: false)
    }
}

/// Whether a container runs, as the host knows it (see `RunRecord`).
public enum ContainerState {
    case running(RunningContainer)
    /// Not running: `STOPPED`, or `STARTING` (its start has not reached its init yet).
    case notRunning(lxcState: String)
    /// Its start left no record of its processes that can be checked (it
    /// started before lxc-passthrough 0.6.0 recorded them), yet it has a
    /// record of grants: it may run, and is not acted on until it restarts.
    case unverified
}

extension LiveSystem {
    /// The running container; refuses when it is not running.
    public func running(_ container: ManagedContainer) throws(AdminError) -> RunningContainer {
        switch try state(of: container) {
        case .running(let running):
            return running
        case .notRunning(let state):
            let why = state == "STOPPED"
                ? "no start of it by lxc-passthrough 0.6.0 or later is running; one started before is followed once it restarts"
                : state
            throw AdminError("container '\(container.name)' is not running (\(why)); 'lxc-passthrough add' gives it a device at its next start")
        case .unverified:
            throw AdminError(ContainerState.unverifiedMessage(container.name))
        }
    }
}

extension ContainerState {
    public static func unverifiedMessage(_ name: String) -> String {
        "container '\(name)' started before lxc-passthrough recorded which processes a container is (0.6.0): "
            + "it is not acted on until it restarts (lxc-stop, lxc-start); its command socket is not believed"
    }
}

/// A running container: its init process, a descriptor that keeps naming
/// that process even if its pid is reused, and what the kernel says of it;
/// its monitor, likewise.
public final class RunningContainer {
    public let container: ManagedContainer
    public let pid: Int32
    public let pidfd: FileDescriptor
    /// Its id map as the kernel applies it (`/proc/PID/uid_map`), not as the config says.
    public let idMap: IDMap
    /// Its monitor (init's parent, `lxc-start`), as its start recorded it.
    public let monitor: RunRecord.Process
    /// A descriptor of the monitor.
    public let monitorPidfd: FileDescriptor
    /// Its devices cgroup (cgroup v1) as its start recorded it, for writing its device rules directly.
    public let devices: RunRecord.CgroupDirectory?

    public var name: String { container.name }
    /// When its monitor started, ns since boot: a record made before then is an earlier run's.
    public var monitorStartedAt: UInt64 { monitor.startedAt }

    public init(
        container: ManagedContainer, pid: Int32, pidfd: consuming FileDescriptor, idMap: IDMap, monitor: RunRecord.Process,
        monitorPidfd: consuming FileDescriptor, devices: RunRecord.CgroupDirectory? = nil
    ) {
        self.devices = devices
        self.container = container
        self.pid = pid
        self.pidfd = pidfd
        self.idMap = idMap
        self.monitor = monitor
        self.monitorPidfd = monitorPidfd
    }

    /// Whether its init and monitor are both still alive (their descriptors say so).
    public var isAlive: Bool {
        !pidfd.processHasExited && !monitorPidfd.processHasExited
    }
}

/// A device node to put into a running container.
public struct DeviceNode: Equatable, Sendable {
    public var containerPath: String
    public var type: DeviceType
    public var number: DeviceNumber
    public var mode: UInt32
    public var hostUID: UInt32
    public var hostGID: UInt32
    /// Read-only to the container (deny-write): named `read-only` in its tmpfs.
    public var readOnly: Bool
    /// The container's root as host ids: the owner of what is made in its `/dev`.
    public var root: HostIDs
}

/// A uid and gid on the host.
public struct HostIDs: Equatable, Sendable {
    public var uid: UInt32
    public var gid: UInt32
}

/// What taking a node out found in the container.
public struct Removal: Equatable, Sendable {
    /// Whether the node was at its path (and is not any more).
    public var removedAtPath: Bool
    /// Mounts the container had stacked on it at its path, taken out with it.
    public var stacked: Int
    /// Other paths where the container had bound or moved it, taken out too.
    public var copies: [String]
    /// Paths where a mount of it is still listed but could not be reached.
    public var unreachable: [String]

    public init(removedAtPath: Bool = true, stacked: Int = 0, copies: [String] = [], unreachable: [String] = []) {
        self.removedAtPath = removedAtPath
        self.stacked = stacked
        self.copies = copies
        self.unreachable = unreachable
    }
}

/// What `LiveSystem.replace` did: the old node taken out, and the new one
/// put in (its identity), or why not.
public struct Replacement {
    public var removal: Removal
    public var placed: Result<GrantRecord.NodeIdentity, AdminError>

    public init(removal: Removal, placed: Result<GrantRecord.NodeIdentity, AdminError>) {
        self.removal = removal
        self.placed = placed
    }

    /// Why the new node was not put in: the old one is still at the path.
    static func pathTaken(_ path: String) -> AdminError {
        AdminError("\(OctalEscape.escapeForTerminal(path)) still holds the node taken back: the new one is not put there")
    }
}

extension Removal {
    /// As a child process sends it back: a line `REMOVED STACKED`, then a
    /// line `c PATH` per copy and `u PATH` per path left, paths escaped.
    func encoded() -> [UInt8] {
        var text = "\(removedAtPath ? 1 : 0) \(stacked)\n"
        for path in copies { text += "c " + OctalEscape.escapePath(path) + "\n" }
        for path in unreachable { text += "u " + OctalEscape.escapePath(path) + "\n" }
        return Array(text.utf8)
    }

    init?(encoded bytes: [UInt8]) {
        let lines = bytes.split(separator: UInt8(ascii: "\n"))
        guard let first = lines.first else { return nil }
        let head = first.split(separator: UInt8(ascii: " "))
        guard head.count == 2, let stacked = Int(String(decoding: head[1], as: UTF8.self)) else { return nil }
        self.init(removedAtPath: head[0].elementsEqual("1".utf8), stacked: stacked)
        for line in lines.dropFirst() {
            guard line.count > 2, let path = OctalEscape.unescapePath(line.dropFirst(2)) else { return nil }
            if line.first == UInt8(ascii: "c") { copies.append(path) } else { unreachable.append(path) }
        }
    }
}

/// A process that has a device open.
public struct DeviceHolder: Equatable, Sendable, CustomStringConvertible {
    public var hostPID: Int32
    /// Its pid in the container's pid namespace, when the kernel says.
    public var containerPID: Int32?
    /// As the process named itself: escaped when shown.
    public var command: String

    public var description: String {
        let inside = containerPID.map { "pid \($0) in the container, " } ?? ""
        return "\(inside)host pid \(hostPID) (\(OctalEscape.escapeForTerminal(command)))"
    }
}

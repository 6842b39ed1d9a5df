import Glibc
@testable import PassthroughAdmin
import PassthroughModel
import PassthroughSystem

/// A running container that records what attach and detach do to it, keeps
/// the host's record in memory, and fails where told.
final class FakeLiveSystem: LiveSystem {
    enum Event: Equatable {
        case apply([DeviceRule])
        case place(DeviceNode)
        case remove(String)
        /// Only the mounts on top at its path.
        case removeAtPath(String)

        var kind: String {
            switch self {
            case .apply: return "apply"
            case .place: return "place"
            case .remove: return "remove"
            case .removeAtPath: return "remove at its path"
            }
        }
    }

    var events: [Event] = []
    var isRunning = true
    var failApply = false
    var failPlace = false
    var failRemove = false
    var failSave = false
    /// Where a removal of every mount (not only at its path) finds the node and cannot take it out.
    var unreachableElsewhere: [String] = []
    /// The id map the kernel applies to the container (privileged: none).
    var idMap = IDMap()
    /// When its monitor started: records made before belong to an earlier run.
    var monitorStartedAt: UInt64 = 1_000
    /// The host's record.
    var record: GrantRecord?
    var holding: [DeviceHolder] = []
    private var nextInode: UInt64 = 100

    static let applyFailure = AdminError("lxc-cgroup failed")
    static let removeFailure = AdminError("umount2 failed")
    static let saveFailure = AdminError("cannot write the host's record")

    func state(of container: ManagedContainer) throws(AdminError) -> ContainerState {
        guard isRunning else { return .notRunning(lxcState: "STOPPED") }
        // A descriptor of this process stands for the container's init: the fake never enters it.
        let pidfd = try translatingErrors({ () throws(SystemError) in try FileDescriptor.process(getpid()) }, { AdminError("\($0)") })
        let monitor = try translatingErrors({ () throws(SystemError) in try FileDescriptor.process(getpid()) }, { AdminError("\($0)") })
        return .running(RunningContainer(
            container: container, pid: 42, pidfd: pidfd, idMap: idMap, monitor: RunRecord.Process(pid: getpid(), startedAt: monitorStartedAt),
            monitorPidfd: monitor))
    }

    func apply(_ rules: [DeviceRule], to running: RunningContainer) throws(AdminError) {
        if failApply && !rules.isEmpty { throw FakeLiveSystem.applyFailure }
        events.append(.apply(rules))
    }

    func place(_ node: DeviceNode, in running: RunningContainer) throws(AdminError) -> GrantRecord.NodeIdentity {
        if failPlace { throw AdminError("\(node.containerPath) already exists in container 'ct'") }
        events.append(.place(node))
        nextInode += 1
        return GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: 0, minor: 99), inode: nextInode, name: node.readOnly ? "read-only" : "read-write")
    }

    func remove(_ grant: GrantRecord.Grant, from running: RunningContainer, onlyAtItsPath: Bool) throws(AdminError) -> Removal {
        if failRemove { throw FakeLiveSystem.removeFailure }
        events.append(onlyAtItsPath ? .removeAtPath(grant.containerPath) : .remove(grant.containerPath))
        return onlyAtItsPath ? Removal() : Removal(unreachable: unreachableElsewhere)
    }

    func holders(of type: DeviceType, _ number: DeviceNumber, in running: RunningContainer) -> [DeviceHolder] { holding }

    func record(of container: ManagedContainer) throws(AdminError) -> GrantRecord? { record }

    func save(_ record: GrantRecord, of container: ManagedContainer) throws(AdminError) {
        if failSave { throw FakeLiveSystem.saveFailure }
        self.record = record
    }
}

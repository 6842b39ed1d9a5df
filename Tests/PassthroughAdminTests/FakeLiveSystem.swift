import Glibc
@testable import PassthroughAdmin
import PassthroughModel
import PassthroughSystem

/// A running container that records what attach and detach do to it, and fails where told.
final class FakeLiveSystem: LiveSystem {
    enum Event: Equatable {
        case apply([DeviceRule])
        case place(DeviceNode, root: Root)
        case remove(String)

        var kind: String {
            switch self {
            case .apply: return "apply"
            case .place: return "place"
            case .remove: return "remove"
            }
        }
    }

    struct Root: Equatable {
        var uid: UInt32
        var gid: UInt32
    }

    var events: [Event] = []
    var isRunning = true
    var failApply = false
    var failPlace = false
    var failRemove = false
    /// What `placedNode(at:)` finds, by path.
    var placed: [String: DeviceNode] = [:]
    var holding: [DeviceHolder] = []

    static let applyFailure = AdminError("lxc-cgroup failed")
    static let removeFailure = AdminError("umount2 failed")

    func running(_ container: ManagedContainer) throws(AdminError) -> RunningContainer {
        guard isRunning else { throw AdminError("container '\(container.name)' is not running (LXC says STOPPED)") }
        // A descriptor of this process stands for the container's init: the fake never enters it.
        let pidfd = try translatingErrors({ () throws(SystemError) in try FileDescriptor.process(getpid()) }, { AdminError("\($0)") })
        return RunningContainer(name: container.name, pid: 42, pidfd: pidfd)
    }

    func apply(_ rules: [DeviceRule], to container: ManagedContainer) throws(AdminError) {
        if failApply && !rules.isEmpty { throw FakeLiveSystem.applyFailure }
        events.append(.apply(rules))
    }

    func place(_ node: DeviceNode, in running: RunningContainer, as root: (uid: UInt32, gid: UInt32)) throws(AdminError) {
        if failPlace { throw AdminError("\(node.containerPath) already exists in container 'ct'") }
        events.append(.place(node, root: Root(uid: root.uid, gid: root.gid)))
    }

    func placedNode(at containerPath: String, in running: RunningContainer) throws(AdminError) -> DeviceNode {
        guard let node = placed[containerPath] else { throw AdminError("\(containerPath) in container 'ct' is not a device lxc-passthrough put there") }
        return node
    }

    func remove(at containerPath: String, in running: RunningContainer) throws(AdminError) {
        if failRemove { throw FakeLiveSystem.removeFailure }
        events.append(.remove(containerPath))
    }

    func holders(of type: DeviceType, _ number: DeviceNumber, in running: RunningContainer) -> [DeviceHolder] { holding }
}

import PassthroughAdmin
import PassthroughModel
import PassthroughSystem

/// The live system as the watcher uses it: what it learned of a running
/// container (its init's pidfd, id map, monitor's start) is kept for as long
/// as that init lives, which its pidfd tells without asking LXC. A container
/// that stopped or restarted has another init (or none), and is asked about
/// again. Saves the two round trips to the container's monitor (its state,
/// its init) that every look at a container otherwise takes.
final class RememberingLiveSystem: LiveSystem {
    let base: LiveSystem
    private var running: [String: RunningContainer] = [:]

    init(_ base: LiveSystem) { self.base = base }

    func state(of container: ManagedContainer) throws(AdminError) -> ContainerState {
        if let known = running[container.directory], (try? known.pidfd.processID()) == known.pid {
            return .running(known)
        }
        let state = try base.state(of: container)
        if case .running(let found) = state { running[container.directory] = found } else { running[container.directory] = nil }
        return state
    }

    func apply(_ rules: [DeviceRule], to container: ManagedContainer) throws(AdminError) { try base.apply(rules, to: container) }

    func place(_ node: DeviceNode, in running: RunningContainer) throws(AdminError) -> GrantRecord.NodeIdentity {
        try base.place(node, in: running)
    }

    func remove(_ grant: GrantRecord.Grant, from running: RunningContainer) throws(AdminError) -> Removal {
        try base.remove(grant, from: running)
    }

    func holders(of type: DeviceType, _ number: DeviceNumber, in running: RunningContainer) -> [DeviceHolder] {
        base.holders(of: type, number, in: running)
    }

    func record(of container: ManagedContainer) throws(AdminError) -> GrantRecord? { try base.record(of: container) }

    func save(_ record: GrantRecord, of container: ManagedContainer) throws(AdminError) { try base.save(record, of: container) }
}

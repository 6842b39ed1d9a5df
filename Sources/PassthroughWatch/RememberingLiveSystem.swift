import PassthroughAdmin
import PassthroughModel
import PassthroughSystem

/// The live system as the watcher uses it: what it learned of a running
/// container (its init's and monitor's pidfds, id map) is kept for as long
/// as both live, which their pidfds tell. A container that stopped or
/// restarted has another init (or none), and is looked at again. Saves
/// reading the host's record of its processes and /proc at every look.
final class RememberingLiveSystem: LiveSystem {
    let base: LiveSystem
    private var running: [String: RunningContainer] = [:]

    init(_ base: LiveSystem) { self.base = base }

    func state(of container: ManagedContainer) throws(AdminError) -> ContainerState {
        if let known = running[container.directory], known.isAlive {
            return .running(known)
        }
        let state = try base.state(of: container)
        if case .running(let found) = state { running[container.directory] = found } else { running[container.directory] = nil }
        return state
    }

    func apply(_ rules: [DeviceRule], to running: RunningContainer) throws(AdminError) { try base.apply(rules, to: running) }

    func place(_ node: DeviceNode, in running: RunningContainer) throws(AdminError) -> GrantRecord.NodeIdentity {
        try base.place(node, in: running)
    }

    func remove(_ grant: GrantRecord.Grant, from running: RunningContainer, onlyAtItsPath: Bool) throws(AdminError) -> Removal {
        try base.remove(grant, from: running, onlyAtItsPath: onlyAtItsPath)
    }

    func replace(_ grant: GrantRecord.Grant, with node: DeviceNode, in running: RunningContainer) throws(AdminError) -> Replacement {
        try base.replace(grant, with: node, in: running)
    }

    func holders(of type: DeviceType, _ number: DeviceNumber, in running: RunningContainer) -> [DeviceHolder] {
        base.holders(of: type, number, in: running)
    }

    func record(of container: ManagedContainer) throws(AdminError) -> GrantRecord? { try base.record(of: container) }

    func save(_ record: GrantRecord, of container: ManagedContainer) throws(AdminError) { try base.save(record, of: container) }

    func settle(_ running: RunningContainer) -> [String] { base.settle(running) }

    func forget(_ container: ManagedContainer) {
        running[container.directory] = nil
        base.forget(container)
    }

    /// Gives back the room containers forgotten left in its map.
    func compact() { running = running.compacted() }
}

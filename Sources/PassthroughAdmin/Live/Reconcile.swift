import PassthroughModel
import PassthroughSystem

/// What one look at a container did, for the watcher's log.
public struct ReconcileResult: Equatable, Sendable {
    /// One line per action, without the container's name.
    public var actions: [String] = []
    /// The container has something to change but is not running yet
    /// (starting): look again shortly.
    public var retry = false
    /// The host paths its entries name, whose directories the watcher follows.
    public var devicePaths: [String] = []
    /// Which of the host's USB events concern its USB entries (nil: it has
    /// none): every USB device's, or, with `nodes=all`, every node's below one.
    public var usbEvents: WatchIndex.USBEvents?
    /// The device numbers its entries name now, and those the host's record
    /// says it holds (granted, or left): the uevents that concern it.
    public var deviceNumbers: [DeviceNumber] = []

    public init() {}
}

/// What a look at a container leaves for later, when nothing more urgent
/// waits: the rules block of its config, and who still holds a device it
/// took back. Neither decides what is done to a device.
public struct ReconcileFollowUp {
    /// A device taken back: its entry's label, its grant and the container it was taken from.
    public struct Held {
        public var label: String
        public var grant: GrantRecord.Grant
        public var running: RunningContainer
    }

    public var held: [Held] = []
    /// The running container acted on, and the grants given to it and taken
    /// back from it, in order: what it is told of (`UeventInjection`).
    public var running: RunningContainer?
    public var given: [GrantRecord.Grant] = []
    public var taken: [GrantRecord.Grant] = []
    /// What the host's record says the container holds after the look
    /// (given by pre-start or by the watcher): what it may be told of later.
    public var recorded: [GrantRecord.Grant] = []
    /// The entries whose nodes the container is not told of (`uevent=0`).
    public var untold: Set<DeviceKey> = []
    /// Where sysfs has each node its USB entries matched in this look, by
    /// container path (`ResolvedNode.sysfsDirectory`): read from there when
    /// it is told of one, as what the look saw.
    public var usbNodeDirectories: [String: String] = [:]

    public init() {}

    /// Both looks' follow-ups, as one.
    public mutating func merge(_ other: ReconcileFollowUp) {
        held += other.held
        if other.running != nil { running = other.running }
        given += other.given
        taken += other.taken
        recorded = other.recorded
        untold = other.untold
        usbNodeDirectories.merge(other.usbNodeDirectories) { _, new in new }
    }
}

extension Administration {
    /// Brings the container to match its entries and the host's devices now
    /// (`reconcileDevices`), then writes the rules block of its config and
    /// says who still holds a device taken back (`followUp`).
    public func reconcile(live: LiveSystem, include: String) throws(AdminError) -> ReconcileResult {
        var (result, followUp) = try reconcileDevices(live: live)
        result.actions += try self.followUp(followUp, live: live, include: include)
        return result
    }

    /// The devices, under the config's lock: when the container runs, every
    /// grant whose entry names no device any more, or another one, is taken
    /// back and every entry whose device is there and not given is given,
    /// each saved in the host's record. A container whose config does not
    /// include passthrough.conf is not touched. The config is not written:
    /// what follows the devices (its rules block, who holds a device taken
    /// back) is in the follow-up, which the watcher runs once no event
    /// waits, so that a new device waits for neither.
    public func reconcileDevices(live: LiveSystem) throws(AdminError) -> (ReconcileResult, ReconcileFollowUp) {
        try ConfigStore.underLock(container) { document throws(AdminError) in
            var result = ReconcileResult()
            var followUp = ReconcileFollowUp()
            let lines = document.parsedEntries()
            guard Administration.includesPassthrough(document), !lines.isEmpty || !document.blockContent.isEmpty else { return (result, followUp) }
            followUp.untold = Set(lines.compactMap { line in line.parsed?.options.uevents == false ? line.key : nil })
            if let (running, held) = try reconcileDevices(lines, document, live: live, into: &result, changes: &followUp) {
                followUp.held = held.map { ReconcileFollowUp.Held(label: $0.label, grant: $0.grant, running: running) }
                followUp.running = running
                // Still under the config's lock, which every change to the container's devices takes.
                result.actions += live.settle(running)
            }
            return (result, followUp)
        }
    }

    /// What follows the devices: the rules block of the config (as `sync`
    /// writes it: what the next start allows), written under the config's
    /// lock when it changed, and who still holds each device taken back.
    /// One line for each, without the container's name.
    public func followUp(_ followUp: ReconcileFollowUp, live: LiveSystem, include: String) throws(AdminError) -> [String] {
        var actions = try ConfigStore.update(container) { document throws(AdminError) -> [String] in
            guard Administration.includesPassthrough(document), !document.deviceLines().isEmpty || !document.blockContent.isEmpty else { return [] }
            let blockBefore = document.blockContent
            let sync = try sync(&document, include: include)
            return document.blockContent == blockBefore ? [] : ["config: device rules written (\(sync.rules.count) rule(s))"]
        }
        for held in followUp.held {
            let holders = live.holders(of: held.grant.type, held.grant.number, in: held.running)
            guard !holders.isEmpty else { continue }
            actions.append("\(held.label): \(held.grant.type.rawValue) \(held.grant.number), taken back, is still open by "
                + holders.map(\.description).joined(separator: ", "))
        }
        return actions
    }

    /// The devices of `reconcileDevices`: the running container and, of the
    /// devices taken back, each one's label and grant (to say who still
    /// holds it); nil when the container was not acted on.
    private func reconcileDevices(
        _ lines: [ParsedEntry], _ document: ConfigDocument, live: LiveSystem,
        into result: inout ReconcileResult, changes: inout ReconcileFollowUp
    ) throws(AdminError) -> (RunningContainer, [(label: String, grant: GrantRecord.Grant)])? {
        let (entries, unread) = reconcileEntries(lines)
        result.actions += unread
        result.devicePaths = entries.compactMap(\.spec.path)
        result.usbEvents = WatchIndex.USBEvents(entries.map(\.spec.selector))
        for entry in entries where entry.spec.path == nil {
            for node in entry.nodes { changes.usbNodeDirectories[node.containerPath] = node.sysfsDirectory }
        }
        // The record as the file says, to see cheaply whether anything is to be done.
        let recorded = try live.record(of: container)
        result.deviceNumbers = entries.flatMap { $0.nodes.map(\.number) } + (recorded.map { ($0.grants + $0.left).map(\.number) } ?? [])
        changes.recorded = recorded?.grants ?? []
        guard !ReconcilePlan(entries: entries, grants: recorded?.grants ?? [], withheld: recorded?.withheld ?? [], left: recorded?.left ?? []).isEmpty
        else { return nil }
        let running: RunningContainer
        switch try live.state(of: container) {
        case .running(let found):
            running = found
        case .notRunning(let state):
            result.retry = state == "STARTING"
            return nil
        case .unverified:
            throw AdminError(ContainerState.unverifiedMessage(container.name))
        }
        var record = try currentRecord(live, running, document, read: recorded)
        let plan = ReconcilePlan(entries: entries, grants: record.grants, withheld: record.withheld, left: record.left)
        // Who still holds a device taken back is looked up once the gives are done: it tells, it does not decide.
        var heldAfterTakeBack: [(label: String, grant: GrantRecord.Grant)] = []
        // Take-backs followed by a give are saved with it, and take out only what is at their paths
        // until it is given (the rest after): a renumbered device waits for one write of the record,
        // and for no mount table.
        var unsaved = false
        let givesFollow = !plan.give.isEmpty
        var restToTakeOut: [(line: Int, grant: GrantRecord.Grant)] = []
        // A take-back at a path a give of this pass takes over (a device renumbered behind its path) leaves
        // its node there for that give, which takes it out as it puts the new one in: one entry into the
        // container, not two.
        let givenPaths = Set(plan.give.map(\.containerPath))
        var handedOver: [String: TakenBack] = [:]
        // The line of a take-back whose node was taken out at its path as `removal` says.
        func tookBack(_ taken: TakenBack, _ removal: Removal) {
            let (label, grant) = (taken.label, taken.grant)
            changes.taken.append(grant)
            if !removal.unreachable.isEmpty {
                let at = removal.unreachable.map(OctalEscape.escapeForTerminal).joined(separator: ", ")
                result.actions.append("\(label): \(grant.type.rawValue) \(grant.number): access taken back; its node is left at \(at), denied")
                return
            }
            let why = taken.reason == .replaced ? "its path names another device now"
                : taken.usb ? "no longer matched (unplugged, or not what its entry selects now)" : "gone from the host"
            var line = "\(label): \(grant.type.rawValue) \(grant.number) \(why): access taken back"
            line += removal.removedAtPath ? ", node removed" : ", no node was at its path"
            result.actions.append(line)
            heldAfterTakeBack.append((label, grant))
            if givesFollow { restToTakeOut.append((result.actions.count - 1, grant)) }
        }
        for (index, reason) in plan.takeBack {
            let grant = record.grants[index]
            let path = entries.first { $0.key == grant.key }?.spec.path ?? grant.containerPath
            let usb = entries.first { $0.key == grant.key }.map { $0.spec.path == nil } ?? false
            let taken = TakenBack(label: "\(grant.key.map { "\($0)" } ?? "-") (\(OctalEscape.escapeForTerminal(path)))", grant: grant, reason: reason, usb: usb)
            let handOver = givenPaths.contains(grant.containerPath) && handedOver[grant.containerPath] == nil
            do throws(AdminError) {
                let (after, _, removal) = try takeBack(
                    index, live: live, running: running, record: record, saving: !givesFollow, onlyAtItsPath: givesFollow, removingNode: !handOver)
                record = after
                unsaved = givesFollow
                if handOver {
                    handedOver[grant.containerPath] = taken
                } else {
                    tookBack(taken, removal)
                }
            } catch {
                // takeBack failed closed: whatever was written stays, the record says what is left.
                if let after = try? live.record(of: container), after.madeAt == record.madeAt { record = after }
                result.actions.append("\(taken.label): \(error)")
                changes.taken.append(grant)
            }
        }
        for index in plan.removeLeft {
            let node = record.left[index]
            let label = "\(node.key.map { "\($0)" } ?? "-") (\(OctalEscape.escapeForTerminal(node.containerPath)))"
            do throws(AdminError) {
                record = try removeLeft(index, live: live, running: running, record: record)
                unsaved = false
                result.actions.append("\(label): the node left in the container after \(node.type.rawValue) \(node.number) was taken back is gone now")
            } catch {
                result.actions.append("\(label): the node left after \(node.type.rawValue) \(node.number) was taken back is still there "
                    + "(\(error)): nothing is given at its path or of its number")
            }
        }
        for item in plan.give {
            let (entry, device, containerPath) = (item.entry, item.device, item.containerPath)
            let label = "\(entry.key) (\(OctalEscape.escapeForTerminal(entry.spec.selector.description)))"
            // A node left by a take-back of this pass blocks it as the plan's left nodes do.
            if let left = record.leftNode(at: containerPath, orOf: device.type, device.number) {
                result.actions.append("\(label): not given: the node left at \(OctalEscape.escapeForTerminal(left.containerPath)) is in the way")
                continue
            }
            do throws(AdminError) {
                let planned = try planGrant(entry.spec, key: entry.key, host: device, at: containerPath, running: running, record: record, label: label)
                let grantsBefore = record.grants.count
                defer { if record.grants.count > grantsBefore, let given = record.grants.last { changes.given.append(given) } }
                if let taken = handedOver.removeValue(forKey: containerPath) {
                    let outcome = giveReplacing(taken, planned, live: live, running: running, record: &record)
                    if let removal = outcome.removal { tookBack(taken, removal) }
                    if let failure = outcome.failure {
                        if outcome.removal == nil { result.actions.append("\(taken.label): \(failure)") }
                        unsaved = true
                        throw outcome.removal == nil ? Replacement.pathTaken(containerPath) : failure
                    }
                } else {
                    record = try give(planned, live: live, running: running, record: record)
                }
                unsaved = false
                let at = entry.spec.mountPath == nil && entry.spec.path != nil ? "" : " at \(OctalEscape.escapeForTerminal(containerPath))"
                result.actions.append("\(label): \(device.type.rawValue) \(device.number) given\(at), mode \(octal(planned.node.mode))"
                    + (entry.spec.denyWrite ? ", read-only" : ""))
            } catch {
                result.actions.append("\(label): cannot give \(device.type.rawValue) \(device.number): \(error)")
            }
        }
        // A take-back whose give was not made (refused before its node was made): its node goes now.
        for taken in handedOver.values.sorted(by: { $0.grant.containerPath < $1.grant.containerPath }) {
            do throws(AdminError) {
                tookBack(taken, try live.remove(taken.grant, from: running, onlyAtItsPath: true))
            } catch {
                record.left.append(taken.grant)
                result.actions.append("\(taken.label): \(Administration.nodeLeft(taken.grant, container.name, error))")
            }
            unsaved = true
        }
        // What the container bound or moved elsewhere of a node taken back at its path (its access is already taken back).
        for (line, grant) in restToTakeOut {
            do throws(AdminError) {
                let rest = try live.remove(grant, from: running)
                guard !rest.unreachable.isEmpty else { continue }
                record.left.append(grant)
                result.actions[line] += "; its node is left at \(rest.unreachable.map(OctalEscape.escapeForTerminal).joined(separator: ", ")), denied"
            } catch {
                record.left.append(grant)
                result.actions[line] += "; whether its node is left elsewhere in the container is unknown (\(error)): recorded as left, denied"
            }
            unsaved = true
        }
        if unsaved {
            do throws(AdminError) {
                try live.save(record, of: container)
            } catch {
                result.actions.append("\(error) (the devices taken back stay denied; they are taken back again at the next look)")
            }
        }
        changes.recorded = record.grants
        return (running, heldAfterTakeBack)
    }

    /// A grant taken back in a pass, for its line.
    struct TakenBack {
        var label: String
        var grant: GrantRecord.Grant
        var reason: ReconcilePlan.Reason
        /// Of a USB entry: its node is taken back when its device is no longer matched, not only when it is gone.
        var usb = false
    }

    /// Gives `planned` at the path of `taken` (taken back, its rules written,
    /// its node still there): the new device's rules, then the old node out
    /// and the new one in, in one entry into the container
    /// (`LiveSystem.replace`), then the host's record with both. `record`
    /// becomes what is now so (the old node left, when it could not be taken
    /// out; the new grant, when it was given); what failed undoes the new
    /// rules. Returns what the removal did (nil: it failed, and the failure
    /// says so) and why the give was not made (nil: it was, and saved).
    func giveReplacing(
        _ taken: TakenBack, _ planned: PlannedGrant, live: LiveSystem, running: RunningContainer, record: inout GrantRecord
    ) -> (removal: Removal?, failure: AdminError?) {
        let before = record
        let undoRules = { (error: AdminError) -> AdminError in
            self.failure(error, undoing: { () throws(AdminError) in try live.apply(self.undoing(planned.rules, from: before), to: running) })
        }
        do throws(AdminError) {
            try live.apply(planned.rules, to: running)
        } catch {
            // Not given: the old node goes as a take-back's does.
            do throws(AdminError) {
                let removal = try live.remove(taken.grant, from: running, onlyAtItsPath: true)
                if !removal.unreachable.isEmpty { record.left.append(taken.grant) }
                return (removal, error)
            } catch {
                record.left.append(taken.grant)
                return (nil, Administration.nodeLeft(taken.grant, container.name, error))
            }
        }
        let replacement: Replacement
        do throws(AdminError) {
            replacement = try live.replace(taken.grant, with: planned.node, in: running)
        } catch {
            record.left.append(taken.grant)
            return (nil, undoRules(Administration.nodeLeft(taken.grant, container.name, error)))
        }
        if !replacement.removal.unreachable.isEmpty { record.left.append(taken.grant) }
        let identity: GrantRecord.NodeIdentity
        switch replacement.placed {
        case .success(let placed): identity = placed
        case .failure(let error): return (replacement.removal, undoRules(error))
        }
        var grant = planned.grant
        grant.node = identity
        var after = record
        after.rules = record.rules.applying(planned.rules)
        after.grants.append(grant)
        do throws(AdminError) {
            try live.save(after, of: container)
        } catch {
            _ = try? live.remove(grant, from: running)
            return (replacement.removal, undoRules(error))
        }
        record = after
        return (replacement.removal, nil)
    }

    /// Why a node taken back is left in the container, as `takeBack` says it.
    static func nodeLeft(_ grant: GrantRecord.Grant, _ name: String, _ error: AdminError) -> AdminError {
        AdminError("access to \(grant.type.rawValue) \(grant.number) is taken back, but its node cannot be taken out of container '\(name)': "
            + "\(error); the node is left at \(OctalEscape.escapeForTerminal(grant.containerPath)), denied")
    }

    /// The entries that parse, each with the nodes it names on the host now
    /// (its path's device; the nodes of the USB devices its selector matches
    /// in sysfs now), and a line for each USB entry whose devices could not
    /// be read. A node whose container path an earlier entry claims is left
    /// out, as pre-start refuses it.
    ///
    /// A USB entry whose devices cannot be read from sysfs names no node:
    /// what it was given is taken back (fail closed: a device that cannot be
    /// read cannot be told from another), and given again at the next look
    /// that reads it.
    ///
    /// An entry that does not parse (or whose name is no device key) is
    /// passed over on purpose: there is nothing it could be given, pre-start
    /// refuses a start with it, and `check` and `list` say why; a watcher
    /// saying it at every event would only repeat them. A grant of the
    /// running container under its key stays as it is (the plan leaves grants
    /// no entry names), as it does while an entry is being edited.
    func reconcileEntries(_ lines: [ParsedEntry]) -> (entries: [ReconcilePlan.Entry], unread: [String]) {
        var claimed = Set<String>()
        var entries: [ReconcilePlan.Entry] = []
        var unread: [String] = []
        let sorted = lines.sorted(by: { ($0.key?.index ?? Int.max) < ($1.key?.index ?? Int.max) })
        // Path entries claim their paths first, as pre-start claims them before it finds USB nodes.
        for line in sorted {
            guard let key = line.key, let spec = line.parsed, let path = spec.path, let containerPath = spec.containerPath,
                  claimed.insert(containerPath).inserted
            else { continue }
            entries.append(ReconcilePlan.Entry(key: key, spec: spec, host: lookUp(path)))
        }
        for line in sorted {
            guard let key = line.key, let spec = line.parsed, case .usb(let selector, let which) = spec.selector else { continue }
            var nodes: [ResolvedNode] = []
            do throws(DeviceResolver.Failure) {
                if case .nodes(let found) = try resolver.resolve(selector, nodes: which) { nodes = found }
            } catch {
                unread.append("\(spec.label(key)): \(error); what it was given is taken back until its devices can be read")
            }
            entries.append(ReconcilePlan.Entry(key: key, spec: spec, nodes: nodes.filter { claimed.insert($0.containerPath).inserted }))
        }
        entries.sort { $0.key.index < $1.key.index }
        return (entries, unread)
    }
}

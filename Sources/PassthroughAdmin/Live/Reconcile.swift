import PassthroughModel

/// What one look at a container did, for the watcher's log.
public struct ReconcileResult: Equatable, Sendable {
    /// One line per action, without the container's name.
    public var actions: [String] = []
    /// The container has something to change but is not running yet
    /// (starting): look again shortly.
    public var retry = false
    /// The host paths its entries name, whose directories the watcher follows.
    public var devicePaths: [String] = []
    /// The device numbers its entries name now, and those the host's record
    /// says it holds (granted, or left): the uevents that concern it.
    public var deviceNumbers: [DeviceNumber] = []

    public init() {}
}

extension Administration {
    /// Brings the container to match its entries and the host's devices now,
    /// under the config's lock: when it runs, every grant whose entry names no
    /// device any more, or another one, is taken back and every entry whose
    /// device is there and not given is given, each saved in the host's
    /// record; then the rules block of its config follows each device (as
    /// `sync` writes it: what the next start allows), and who still holds a
    /// device taken back is looked up. Both come after the devices: neither
    /// decides what is done, and a new device waits for neither. A container
    /// whose config does not include passthrough.conf is not touched.
    public func reconcile(live: LiveSystem, include: String) throws(AdminError) -> ReconcileResult {
        try ConfigStore.update(container) { document throws(AdminError) in
            var result = ReconcileResult()
            let lines = document.parsedEntries()
            guard Administration.includesPassthrough(document), !lines.isEmpty || !document.blockContent.isEmpty else { return result }
            let taken = try reconcileDevices(lines, document, live: live, into: &result)
            let blockBefore = document.blockContent
            let sync = try sync(&document, include: include)
            if document.blockContent != blockBefore {
                result.actions.append("config: device rules written (\(sync.rules.count) rule(s))")
            }
            if let (running, held) = taken {
                for (line, grant) in held {
                    let holders = live.holders(of: grant.type, grant.number, in: running)
                    if !holders.isEmpty { result.actions[line] += "; still open by \(holders.map(\.description).joined(separator: ", "))" }
                }
            }
            return result
        }
    }

    /// The devices of `reconcile`: the running container and, of the devices
    /// taken back, each one's line in `result.actions` and its grant (to say
    /// who still holds it); nil when the container was not acted on.
    private func reconcileDevices(
        _ lines: [ParsedEntry], _ document: ConfigDocument, live: LiveSystem,
        into result: inout ReconcileResult
    ) throws(AdminError) -> (RunningContainer, [(line: Int, grant: GrantRecord.Grant)])? {
        let entries = reconcileEntries(lines)
        result.devicePaths = entries.compactMap(\.spec.path)
        // The record as the file says, to see cheaply whether anything is to be done.
        let recorded = try live.record(of: container)
        result.deviceNumbers = entries.compactMap { entry -> DeviceNumber? in
            if case .device(let device) = entry.host { return device.number } else { return nil }
        } + (recorded.map { ($0.grants + $0.left).map(\.number) } ?? [])
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
        var heldAfterTakeBack: [(line: Int, grant: GrantRecord.Grant)] = []
        // Take-backs followed by a give are saved with it, and take out only what is at their paths
        // until it is given (the rest after): a renumbered device waits for one write of the record,
        // and for no mount table.
        var unsaved = false
        let givesFollow = !plan.give.isEmpty
        var restToTakeOut: [(line: Int, grant: GrantRecord.Grant)] = []
        for (index, reason) in plan.takeBack {
            let grant = record.grants[index]
            let path = entries.first { $0.key == grant.key }?.spec.path ?? grant.containerPath
            let label = "\(grant.key.map { "\($0)" } ?? "-") (\(OctalEscape.escapeForTerminal(path)))"
            do throws(AdminError) {
                let (after, _, removal) = try takeBack(
                    index, live: live, running: running, record: record, saving: !givesFollow, onlyAtItsPath: givesFollow)
                record = after
                unsaved = givesFollow
                if !removal.unreachable.isEmpty {
                    let at = removal.unreachable.map(OctalEscape.escapeForTerminal).joined(separator: ", ")
                    result.actions.append("\(label): \(grant.type.rawValue) \(grant.number): access taken back; its node is left at \(at), denied")
                    continue
                }
                let why = reason == .gone ? "gone from the host" : "its path names another device now"
                var line = "\(label): \(grant.type.rawValue) \(grant.number) \(why): access taken back"
                line += removal.removedAtPath ? ", node removed" : ", no node was at its path"
                result.actions.append(line)
                heldAfterTakeBack.append((result.actions.count - 1, grant))
                if givesFollow { restToTakeOut.append((result.actions.count - 1, grant)) }
            } catch {
                // takeBack failed closed: whatever was written stays, the record says what is left.
                if let after = try? live.record(of: container), after.madeAt == record.madeAt { record = after }
                result.actions.append("\(label): \(error)")
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
        for (entry, device) in plan.give {
            let label = "\(entry.key) (\(OctalEscape.escapeForTerminal(entry.spec.selector.description)))"
            // The plan gives path entries only, which have a container path.
            guard let containerPath = entry.spec.containerPath else { continue }
            // A node left by a take-back of this pass blocks it as the plan's left nodes do.
            if let left = record.leftNode(at: containerPath, orOf: device.type, device.number) {
                result.actions.append("\(label): not given: the node left at \(OctalEscape.escapeForTerminal(left.containerPath)) is in the way")
                continue
            }
            do throws(AdminError) {
                let planned = try planGrant(entry.spec, key: entry.key, host: device, running: running, record: record, label: label)
                record = try give(planned, live: live, running: running, record: record)
                unsaved = false
                let at = entry.spec.mountPath == nil ? "" : " at \(OctalEscape.escapeForTerminal(containerPath))"
                result.actions.append("\(label): \(device.type.rawValue) \(device.number) given\(at), mode \(octal(planned.node.mode))"
                    + (entry.spec.denyWrite ? ", read-only" : ""))
            } catch {
                result.actions.append("\(label): cannot give \(device.type.rawValue) \(device.number): \(error)")
            }
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
        return (running, heldAfterTakeBack)
    }

    /// The entries that parse, each with what its path is on the host now;
    /// an entry whose container path an earlier one claims is left out, as
    /// pre-start refuses it.
    ///
    /// An entry that does not parse (or whose name is no device key) is
    /// passed over on purpose: there is nothing it could be given, pre-start
    /// refuses a start with it, and `check` and `list` say why; a watcher
    /// saying it at every event would only repeat them. A grant of the
    /// running container under its key stays as it is (the plan leaves grants
    /// no entry names), as it does while an entry is being edited.
    func reconcileEntries(_ lines: [ParsedEntry]) -> [ReconcilePlan.Entry] {
        var claimed = Set<String>()
        var entries: [ReconcilePlan.Entry] = []
        for line in lines.sorted(by: { ($0.key?.index ?? Int.max) < ($1.key?.index ?? Int.max) }) {
            // USB entries are not followed by the watcher yet: passed over.
            guard let key = line.key, let spec = line.parsed, let path = spec.path, let containerPath = spec.containerPath,
                  claimed.insert(containerPath).inserted
            else { continue }
            entries.append(ReconcilePlan.Entry(key: key, spec: spec, host: lookUp(path)))
        }
        return entries
    }
}

import PassthroughModel

/// What `attach` asks for: a device and its node's options, as `add` takes them.
public struct AttachRequest: Sendable {
    /// The device on the host, for a path; for a USB selector (`usb`), its description.
    public var path: String
    /// A USB device by what it is, and which of its nodes, instead of a path (`attach --usb`).
    public var usb: (selector: USBSelector, nodes: USBNodes)?
    /// How its node is made; `mountPath`: where it goes in the container, when not at `path`.
    public var options: NodeOptions
    /// Only the running container: no devN entry, no sync.
    public var temporary: Bool

    public init(path: String, options: NodeOptions = NodeOptions(), temporary: Bool = false) {
        self.path = path
        self.options = options
        self.temporary = temporary
    }

    /// A USB device by what it is: its nodes go at the paths udev gives them.
    public init(usb selector: USBSelector, nodes: USBNodes = .usb, options: NodeOptions = NodeOptions(), temporary: Bool = false) {
        self.path = DeviceSelector.usb(selector, nodes: nodes).description
        self.usb = (selector, nodes)
        self.options = options
        self.temporary = temporary
    }

    /// The entry's selector.
    public var selector: DeviceSelector { usb.map { .usb($0.selector, nodes: $0.nodes) } ?? .path(path) }

    public init(
        path: String, mode: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil, denyWrite: Bool = false,
        mountPath: String? = nil, temporary: Bool = false
    ) {
        self.init(
            path: path, options: NodeOptions(mode: mode, uid: uid, gid: gid, denyWrite: denyWrite, mountPath: mountPath), temporary: temporary)
    }
}

public struct AttachResult {
    /// The entry written; nil with `--temporary`.
    public var key: DeviceKey?
    public var node: DeviceNode
    /// The rules added to the running container.
    public var rules: [DeviceRule]
    public var sync: SyncResult?
    /// Every node given (a USB device's: one or several, `node` the first).
    public var nodes: [DeviceNode] = []
    /// The grants recorded for them, and the container they were given to:
    /// what it is told of (`UeventInjection`), where the kernel's events do not reach.
    public var given: [GrantRecord.Grant] = []
    public var running: RunningContainer?
    /// Where sysfs has each USB node given, by container path (`ResolvedNode.sysfsDirectory`).
    public var sysfsDirectories: [String: String] = [:]
}

/// A grant planned for a running container: the node to place, the grant
/// to record once it is placed, and the rules to write first.
public struct PlannedGrant: Sendable {
    public var node: DeviceNode
    public var grant: GrantRecord.Grant
    public var rules: [DeviceRule]
}

public struct DetachResult {
    /// The container it was taken from: what is told of it (`UeventInjection`).
    public var running: RunningContainer?
    /// The entry removed; nil with `--temporary` or when there was none.
    public var key: DeviceKey?
    public var grant: GrantRecord.Grant
    /// The rules written to the running container to take access back.
    public var rules: [DeviceRule]
    public var sync: SyncResult?
    public var removal: Removal
    /// Processes in the container that still have the device open: the
    /// kernel checks device rules at open, so they keep their access.
    public var holders: [DeviceHolder]
    /// Whether the container is told of it (its entry does not say `uevent=0`).
    public var tellsContainer = true
    /// What the live system had to say of taking access back (`LiveSystem.settle`).
    public var notices: [String] = []
}

extension Administration {
    /// Puts a device into the running container: the cgroup rule first, then
    /// the node, then the host's record; unless temporary, the entry and its
    /// rules go into the config (under the config's lock). Any failure undoes
    /// what was done.
    public func attach(_ request: AttachRequest, live: LiveSystem, include: String) throws(AdminError) -> AttachResult {
        if request.usb != nil { return try attachUSB(request, live: live, include: include) }
        return try ConfigStore.update(container, { document throws(AdminError) in
            let running = try live.running(container)
            let before = try currentRecord(live, running, document)
            var (result, planned, edited) = try planAttach(request, document, running: running, record: before, include: include)
            let after = try give(planned, live: live, running: running, record: before) { after in
                // An entry given again is no longer withheld from this run.
                if let key = result.key { after.withheld.removeAll { $0.key == key } }
            }
            if !request.temporary { document = edited }
            result.nodes = [result.node]
            result.given = after.grants.last.map { [$0] } ?? []
            result.running = running
            return (result, running, before, after)
        }, undoingOnWriteFailure: { (result: AttachResult, running: RunningContainer, before: GrantRecord, after: GrantRecord) in
            // The container has the device, but its entry could not be written.
            _ = try? live.remove(after.grants.last!, from: running)
            try? live.apply(undoing(result.rules, from: before), to: running)
            try? live.save(before, of: container)
        }).0
    }

    /// Gives the running container a planned grant: the cgroup rules first,
    /// then the node (so that it is usable as soon as it is there), then the
    /// host's record with the grant (after `adjusting` it), which it returns.
    /// A failure undoes what was done.
    func give(
        _ planned: PlannedGrant, live: LiveSystem, running: RunningContainer, record before: GrantRecord,
        adjusting adjust: (inout GrantRecord) -> Void = { _ in }
    ) throws(AdminError) -> GrantRecord {
        var grant = planned.grant
        try live.apply(planned.rules, to: running)
        do throws(AdminError) {
            grant.node = try live.place(planned.node, in: running)
        } catch {
            throw failure(error, undoing: { () throws(AdminError) in try live.apply(undoing(planned.rules, from: before), to: running) })
        }
        var after = before
        after.rules = before.rules.applying(planned.rules)
        after.grants.append(grant)
        adjust(&after)
        do throws(AdminError) {
            try live.save(after, of: container)
        } catch {
            _ = try? live.remove(grant, from: running)
            throw failure(error, undoing: { () throws(AdminError) in try live.apply(undoing(planned.rules, from: before), to: running) })
        }
        return after
    }

    /// Takes the grant at `index` back from the running container: the cgroup
    /// rules first (nothing left but what the container's own rules give,
    /// unless another grant holds the same device), then every mount of the
    /// node, found by its identity; then the host's record without it (after
    /// `adjusting` it), which it returns with what was done.
    ///
    /// Fails closed: once the rules are written, access stays taken back
    /// whatever happens next. A node that cannot be taken out of the
    /// container (it made the directory unwritable to its root, its mount
    /// table cannot be read) is recorded as left (`GrantRecord.left`), which
    /// keeps any device from being given through its path or number while it
    /// is there; the error says so.
    ///
    /// With `onlyAtItsPath`, only the mounts of the node on top at its path
    /// are taken out: the caller takes out the rest (`remove`) and records
    /// what it cannot as left. Without `removingNode`, not even those: the
    /// caller takes them out (`LiveSystem.replace`, as it gives the device
    /// that now has the path), and the removal returned is empty.
    ///
    /// Without `saving`, the record it returns is the caller's to save (the
    /// watcher saves it with the gives that follow, so that a new device at
    /// the same path waits for one write, not two). Until then the host's
    /// record still names the grant: a look after a crash takes it back again.
    func takeBack(
        _ index: Int, live: LiveSystem, running: RunningContainer, record before: GrantRecord, saving: Bool = true,
        onlyAtItsPath: Bool = false, removingNode: Bool = true, adjusting adjust: (inout GrantRecord) -> Void = { _ in }
    ) throws(AdminError) -> (record: GrantRecord, rules: [DeviceRule], removal: Removal) {
        let grant = before.grants[index]
        var after = before
        after.grants.remove(at: index)
        let goal = after.goal(for: grant.type, grant.number)
        guard let rules = before.rules.changes(toMeet: goal, grant.type, grant.number) else {
            throw AdminError("no device rule can take \(grant.type.rawValue) \(grant.number) back from container '\(container.name)': "
                + "a rule of its own config (\(hierarchy.rawValue)) gives it")
        }
        after.rules = before.rules.applying(rules)
        adjust(&after)
        try live.apply(rules, to: running)
        guard removingNode else { return (after, rules, Removal(removedAtPath: false)) }
        let removal: Removal
        do throws(AdminError) {
            removal = try live.remove(grant, from: running, onlyAtItsPath: onlyAtItsPath)
        } catch {
            after.left.append(grant)
            let saved = (try? live.save(after, of: container)) != nil
            throw AdminError("access to \(grant.type.rawValue) \(grant.number) is taken back, but its node cannot be taken out of "
                + "container '\(container.name)': \(error); the node is left at \(OctalEscape.escapeForTerminal(grant.containerPath)), denied"
                + (saved ? " (lxc-passthrough list shows it; nothing is given through it until it is gone)" : ", and the host's record cannot be written"))
        }
        if !removal.unreachable.isEmpty { after.left.append(grant) }
        if saving { try live.save(after, of: container) }
        return (after, rules, removal)
    }

    /// Tries again to take out a node left in the running container after its
    /// access was taken back; on success the record forgets it.
    func removeLeft(_ index: Int, live: LiveSystem, running: RunningContainer, record before: GrantRecord) throws(AdminError) -> GrantRecord {
        let node = before.left[index]
        let removal = try live.remove(node, from: running)
        guard removal.unreachable.isEmpty else {
            throw AdminError("the node is still at \(removal.unreachable.map(OctalEscape.escapeForTerminal).joined(separator: ", "))")
        }
        var after = before
        after.left.remove(at: index)
        try live.save(after, of: container)
        return after
    }

    /// Validates the request as `add` and pre-start would, with the ids the
    /// running container really has; returns what to do, the grant to record
    /// (its node's identity is known once it is placed) and the config with
    /// the new entry (unchanged when temporary). Pure.
    func planAttach(
        _ request: AttachRequest, _ document: ConfigDocument, running: RunningContainer, record: GrantRecord, include: String
    ) throws(AdminError) -> (AttachResult, PlannedGrant, ConfigDocument) {
        for text in [request.path, request.options.mountPath].compactMap({ $0 }) {
            if let problem = DevicePath.controlCharacterProblem(text) { throw AdminError(problem) }
        }
        let value = DeviceSpec(selector: .path(request.path), options: request.options).entryValue
        let spec: DeviceSpec
        do {
            spec = try DeviceSpec.parse(value)
        } catch {
            throw AdminError("'\(value)': \(error)")
        }
        let host = try hostDevice(request.path)
        var edited = document
        var key: DeviceKey?
        var sync: SyncResult?
        if !request.temporary {
            (key, sync) = try add(&edited, spec, include: include)
        }
        let planned = try planGrant(spec, key: key, host: host, running: running, record: record, label: request.path)
        return (AttachResult(key: key, node: planned.node, rules: planned.rules, sync: sync), planned, edited)
    }

    /// What giving the running container the device of `spec` (found on the
    /// host as `host`) takes: the node, with the owner and mode through the
    /// id map it really has, the grant to record (its node's identity is
    /// known once it is placed) and the rules to write. Pure.
    ///
    /// `containerPath`: where the node goes; a USB entry's node goes at its
    /// udev path (`ResolvedNode.containerPath`), a path entry's at its own by default.
    func planGrant(
        _ spec: DeviceSpec, key: DeviceKey?, host: HostDevice, at containerPath: String? = nil, running: RunningContainer, record: GrantRecord,
        label: String
    ) throws(AdminError) -> PlannedGrant {
        guard let root = running.idMap.mappedRoot else {
            throw AdminError("container '\(container.name)''s root is not mapped to a host user (its uid_map: \(DevicePlanner.describe(running.idMap, .user))): "
                + "nothing is made in it as an unmapped root")
        }
        let owner: (uid: UInt32, gid: UInt32)
        do {
            owner = try DevicePlanner.hostOwner(of: spec, idMap: running.idMap, label: label)
        } catch {
            throw AdminError("\(error)")
        }
        guard let containerPath = containerPath ?? spec.containerPath else {
            // A USB entry's nodes have no path of their own: the caller says where each goes.
            throw AdminError("\(label): a USB entry's node is given at the path it was found at, and none was said")
        }
        let owned = DevicePlanner.nodeOwnerAndMode(of: spec, hostUID: owner.uid, idMap: running.idMap)
        let node = DeviceNode(
            containerPath: containerPath, type: host.type, number: host.number, mode: owned.mode,
            hostUID: owned.uid, hostGID: owner.gid, readOnly: spec.denyWrite, root: HostIDs(uid: root.uid, gid: root.gid))
        let grant = GrantRecord.Grant(
            key: key, containerPath: node.containerPath, type: node.type, number: node.number, readOnly: node.readOnly,
            node: GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: 0, minor: 0), inode: 0, name: ""))
        var after = record
        after.grants.append(grant)
        let goal = after.goal(for: host.type, host.number)
        guard let rules = record.rules.changes(toMeet: goal, host.type, host.number) else {
            throw AdminError("no device rule can give container '\(container.name)' \(host.type.rawValue) \(host.number) "
                + "\(spec.denyWrite ? "read-only" : "read-write"): a rule of its own config (\(hierarchy.rawValue)) gives it more")
        }
        return PlannedGrant(node: node, grant: grant, rules: rules)
    }

    /// Takes a device out of the running container, named by its entry's key
    /// (`dev3`) or its path, as the host's record has it: the cgroup rules
    /// first (nothing left but what the container's own rules give, unless
    /// another grant holds the same device), then every mount of the node,
    /// found by its identity; unless temporary, the entry goes (when there is
    /// one). A failure before the rules are written leaves everything as it
    /// was; after, access stays taken back (see `takeBack`): when the entry
    /// cannot be removed from the config, it is withheld from this run.
    public func detach(_ target: String, temporary: Bool, live: LiveSystem, include: String) throws(AdminError) -> DetachResult {
        try ConfigStore.update(container, { document throws(AdminError) in
            let running = try live.running(container)
            let before = try currentRecord(live, running, document)
            let index = try grantIndex(target, in: before, document)
            let grant = before.grants[index]
            // A USB entry gives several nodes under one key; detach takes out one node. Removing the
            // entry with one of them would leave the others given under no entry: refused, not half done.
            if !temporary, let key = grant.key, before.grants.filter({ $0.key == key }).count > 1 {
                throw AdminError("\(key) gave container '\(container.name)' \(before.grants.filter { $0.key == key }.count) nodes, and detach takes out one: "
                    + "detach --temporary takes out the node at \(OctalEscape.escapeForTerminal(grant.containerPath)) alone; "
                    + "'lxc-passthrough remove' and a restart take out the entry")
            }
            // Its entry, read before the config's edit below takes it out.
            let entry = grant.key.flatMap { key in document.parsedEntries().first(where: { $0.key == key })?.parsed }
            // An entry that does not parse is not withheld: the watcher gives nothing for it anyway.
            let withheld = grant.key.flatMap { key in entry.map { GrantRecord.Withheld(key: key, path: $0.selector.description) } }
            // The config's edit is made (in memory) before anything is taken back: one that cannot be made changes nothing.
            var sync: SyncResult?
            if let key = grant.key, !temporary, document.deviceLines().contains(where: { $0.key == key }) {
                sync = try remove(&document, target: key.description, include: include).1
            }
            let (after, rules, removal) = try takeBack(index, live: live, running: running, record: before) { after in
                // Taken out on purpose while its entry stays: the watcher is not to give it back this run.
                guard let key = grant.key else { return }
                after.withheld.removeAll { $0.key == key }
                if temporary, let withheld { after.withheld.append(withheld) }
            }
            let holders = live.holders(of: grant.type, grant.number, in: running)
            var result = DetachResult(
                running: running, key: sync == nil ? nil : grant.key, grant: grant, rules: rules, sync: sync, removal: removal, holders: holders)
            result.tellsContainer = entry?.options.uevents ?? true
            result.notices = live.settle(running)
            return (result, after, withheld)
        }, undoingOnWriteFailure: { (result: DetachResult, after: GrantRecord, withheld: GrantRecord.Withheld?) in
            // The device is out of the container, but its entry could not be removed: access stays
            // taken back, the entry withheld from this run so that the watcher does not give it back.
            guard let withheld, !after.withheld.contains(withheld) else { return }
            var kept = after
            kept.withheld.append(withheld)
            try? live.save(kept, of: container)
        }).0
    }

    /// The grant `target` names: an entry's key (`dev3`) or a path in the container.
    func grantIndex(_ target: String, in record: GrantRecord, _ document: ConfigDocument) throws(AdminError) -> Int {
        let notPlaced = { (what: String) in
            AdminError("\(what) in container '\(container.name)' is not a device lxc-passthrough put there (the host's record of the container has no such grant)")
        }
        if let key = DeviceKey(target) {
            if let index = record.grants.lastIndex(where: { $0.key == key }) { return index }
            guard document.deviceLines().contains(where: { $0.key == key }) else {
                throw AdminError("container '\(container.name)' has no device entry \(target)")
            }
            // In the config, not in the record: an entry added since the start, or a container
            // started before records were kept, whose nodes only a restart takes away.
            throw AdminError("\(key) in container '\(container.name)' is not a device lxc-passthrough put there: the host's record of the container "
                + "has no such grant (the entry came after the start, or the container started before lxc-passthrough kept records; "
                + "then only a restart takes the device away)")
        }
        let spec: DeviceSpec
        do {
            spec = try DeviceSpec.parse(target)
        } catch {
            throw AdminError("'\(target)' is neither a device key (dev0 to dev255) nor a device path: \(error)")
        }
        guard let containerPath = spec.containerPath else {
            throw AdminError("'\(target)' is neither a device key (dev0 to dev255) nor a device path: a USB device is detached by its entry's key")
        }
        guard let index = record.grants.lastIndex(where: { $0.containerPath == containerPath }) else {
            throw notPlaced(containerPath)
        }
        return index
    }

    /// The host's record of the running container, or, when it has none (a
    /// container that started with no device, or before lxc-passthrough kept
    /// records) or only one of an earlier run, a new one: the rules the config
    /// gives, no grant.
    /// `read`: the record as it was just read, when it was (it is not read again).
    func currentRecord(
        _ live: LiveSystem, _ running: RunningContainer, _ document: ConfigDocument, read: GrantRecord?? = nil
    ) throws(AdminError) -> GrantRecord {
        if let read {
            if let record = read, record.madeAt >= running.monitorStartedAt { return record }
        } else if let record = try recordOfThisRun(live, running) {
            return record
        }
        return GrantRecord(
            madeAt: running.monitorStartedAt,
            rules: LiveDeviceRules(hierarchy: hierarchy, started: try deviceRules(document, includingManagedBlock: true)),
            ownRules: try deviceRules(document, includingManagedBlock: false))
    }

    /// The host's record of the running container, when it was made during
    /// this run (a record made before its monitor started is an earlier run's).
    func recordOfThisRun(_ live: LiveSystem, _ running: RunningContainer) throws(AdminError) -> GrantRecord? {
        guard let record = try live.record(of: container), record.madeAt >= running.monitorStartedAt else { return nil }
        return record
    }

    /// The rules that bring every device `written` names back to what
    /// `before` gave it (after they were written).
    func undoing(_ written: [DeviceRule], from before: GrantRecord) -> [DeviceRule] {
        var state = before.rules.applying(written)
        var rules: [DeviceRule] = []
        for rule in written {
            guard let type = rule.type, let major = rule.major, let minor = rule.minor else { continue }
            let number = DeviceNumber(major: major, minor: minor)
            guard let back = state.changes(toMeet: before.goal(for: type, number), type, number) else { continue }
            rules += back
            state = state.applying(back)
        }
        return rules
    }

    /// `first`, after running `undo`; says so when undoing failed too.
    func failure(_ first: AdminError, undoing undo: () throws(AdminError) -> Void) -> AdminError {
        do {
            try undo()
            return first
        } catch {
            return AdminError("\(first); undoing the device rule failed too: \(error)")
        }
    }
}

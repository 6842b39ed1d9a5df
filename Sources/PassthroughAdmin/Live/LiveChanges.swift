import PassthroughModel

/// What `attach` asks for: a device and its node's options, as `add` takes them.
public struct AttachRequest: Sendable {
    public var path: String
    public var mode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    public var denyWrite: Bool
    /// Only the running container: no devN entry, no sync.
    public var temporary: Bool

    public init(path: String, mode: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil, denyWrite: Bool = false, temporary: Bool = false) {
        self.path = path
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.denyWrite = denyWrite
        self.temporary = temporary
    }
}

public struct AttachResult {
    /// The entry written; nil with `--temporary`.
    public var key: DeviceKey?
    public var node: DeviceNode
    /// The rules added to the running container.
    public var rules: [DeviceRule]
    public var sync: SyncResult?
    /// The container's root as host ids: the owner of what attach makes in its `/dev`.
    var root: (uid: UInt32, gid: UInt32)
}

public struct DetachResult {
    /// The entry removed; nil with `--temporary` or when there was none.
    public var key: DeviceKey?
    public var node: DeviceNode
    /// The rules added to the running container to take access back.
    public var rules: [DeviceRule]
    public var sync: SyncResult?
    /// Processes in the container that still have the device open: the
    /// kernel checks device rules at open, so they keep their access.
    public var holders: [DeviceHolder]
}

extension Administration {
    /// Puts a device into the running container: the cgroup rule first, then
    /// the node; unless temporary, the entry and its rules go into the config
    /// (under the config's lock). Any failure undoes what was done.
    public func attach(_ request: AttachRequest, live: LiveSystem, include: String) throws(AdminError) -> AttachResult {
        try ConfigStore.update(container, { document throws(AdminError) in
            let running = try live.running(container)
            let (result, edited) = try planAttach(request, document, include: include)
            try live.apply(result.rules, to: container)
            do throws(AdminError) {
                try live.place(result.node, in: running, as: result.root)
            } catch {
                throw failure(error, undoing: { () throws(AdminError) in try live.apply(LiveRules.revoking(result.rules), to: container) })
            }
            if !request.temporary { document = edited }
            return (result, running)
        }, undoingOnWriteFailure: { (result: AttachResult, running: RunningContainer) in
            // The container has the device, but its entry could not be written.
            try? live.remove(at: result.node.containerPath, in: running)
            try? live.apply(LiveRules.revoking(result.rules), to: container)
        }).0
    }

    /// Validates the request as `add` and pre-start would; returns what to do
    /// and the config with the new entry (unchanged when temporary). Pure.
    func planAttach(_ request: AttachRequest, _ document: ConfigDocument, include: String) throws(AdminError) -> (AttachResult, ConfigDocument) {
        let value = DeviceSpec.entryValue(path: request.path, mode: request.mode, uid: request.uid, gid: request.gid, denyWrite: request.denyWrite)
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
            (key, sync) = try add(
                &edited, path: request.path, mode: request.mode, uid: request.uid, gid: request.gid, denyWrite: request.denyWrite,
                include: include)
        }
        let map = try idMap(document)
        let owner: (uid: UInt32, gid: UInt32)
        do {
            owner = try DevicePlanner.hostOwner(of: spec, idMap: map, label: request.path)
        } catch {
            throw AdminError("\(error)")
        }
        let owned = DevicePlanner.nodeOwnerAndMode(of: spec, hostUID: owner.uid, idMap: map)
        let node = DeviceNode(
            containerPath: spec.containerPath, type: host.type, number: host.number, mode: owned.mode,
            hostUID: owned.uid, hostGID: owner.gid, readOnly: spec.denyWrite)
        let configured = try deviceRules(document, includingManagedBlock: true)
        let rules = LiveRules.grant(
            RulePlanner.Device(type: host.type, number: host.number, denyWrite: spec.denyWrite), on: hierarchy, configured: configured)
        return (AttachResult(key: key, node: node, rules: rules, sync: sync, root: map.hostRoot), edited)
    }

    /// Takes a device out of the running container, named by its entry's key
    /// (`dev3`) or its path: the cgroup rule back first, then the node; unless
    /// temporary, the entry goes (when there is one). Any failure undoes what was done.
    public func detach(_ target: String, temporary: Bool, live: LiveSystem, include: String) throws(AdminError) -> DetachResult {
        try ConfigStore.update(container, { document throws(AdminError) in
            let running = try live.running(container)
            let (containerPath, key, readOnlyEntry) = try resolveDetach(target, document)
            let node = try live.placedNode(at: containerPath, in: running)
            // The rules the container would have without this device.
            var without = document
            var sync: SyncResult?
            if let key { sync = try remove(&without, target: key.description, include: include).1 }
            let configured = try deviceRules(without, includingManagedBlock: true)
            let device = RulePlanner.Device(type: node.type, number: node.number, denyWrite: node.readOnly ?? readOnlyEntry ?? false)
            let rules = LiveRules.revoking(LiveRules.grant(device, on: hierarchy, configured: configured))
            try live.apply(rules, to: container)
            do throws(AdminError) {
                try live.remove(at: node.containerPath, in: running)
            } catch {
                throw failure(error, undoing: { () throws(AdminError) in try live.apply(LiveRules.revoking(rules), to: container) })
            }
            let holders = live.holders(of: node.type, node.number, in: running)
            let root = try idMap(document).hostRoot
            if !temporary && key != nil { document = without }
            let result = DetachResult(key: temporary ? nil : key, node: node, rules: rules, sync: temporary ? nil : sync, holders: holders)
            return (result, running, root)
        }, undoingOnWriteFailure: { (result: DetachResult, running: RunningContainer, root: (uid: UInt32, gid: UInt32)) in
            // The device is out of the container, but its entry could not be removed.
            try? live.apply(LiveRules.revoking(result.rules), to: container)
            var back = result.node
            back.readOnly = back.readOnly ?? false
            try? live.place(back, in: running, as: root)
        }).0
    }

    /// The path in the container, the entry's key when one names it, and its deny-write.
    func resolveDetach(_ target: String, _ document: ConfigDocument) throws(AdminError) -> (String, DeviceKey?, Bool?) {
        let lines = document.deviceLines()
        if let key = DeviceKey(target) {
            guard let line = lines.first(where: { $0.key == key }) else {
                throw AdminError("container '\(container.name)' has no device entry \(target)")
            }
            guard let spec = try? DeviceSpec.parse(line.value) else {
                throw AdminError("\(key): '\(line.value)' is not a valid device entry")
            }
            return (spec.containerPath, key, spec.denyWrite)
        }
        let spec: DeviceSpec
        do {
            spec = try DeviceSpec.parse(target)
        } catch {
            throw AdminError("'\(target)' is neither a device key (dev0 to dev255) nor a device path: \(error)")
        }
        for line in lines {
            guard let key = line.key, let entry = try? DeviceSpec.parse(line.value) else { continue }
            if entry.path == target || entry.containerPath == spec.containerPath { return (entry.containerPath, key, entry.denyWrite) }
        }
        return (spec.containerPath, nil, nil)
    }

    /// `error`, after running `undo`; says so when undoing failed too.
    private func failure(_ first: AdminError, undoing undo: () throws(AdminError) -> Void) -> AdminError {
        do {
            try undo()
            return first
        } catch {
            return AdminError("\(first); undoing the device rule failed too: \(error)")
        }
    }
}

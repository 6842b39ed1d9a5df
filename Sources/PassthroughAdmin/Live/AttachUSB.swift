import PassthroughModel
import PassthroughSystem

extension Administration {
    /// `attach` of a USB device by what it is (`attach --usb`): every node
    /// its selector matches in sysfs now, found as pre-start and the watcher
    /// find them (`DeviceResolver`), each given at its udev path in turn (the
    /// rules, the node, the host's record), under one entry added unless
    /// temporary. All or nothing: a node that cannot be given takes back the
    /// nodes given before it, and the config is not written.
    func attachUSB(_ request: AttachRequest, live: LiveSystem, include: String) throws(AdminError) -> AttachResult {
        guard let usb = request.usb else { throw AdminError("\(request.path): not a USB device") }
        let value = DeviceSpec(selector: request.selector, options: request.options).entryValue
        let spec: DeviceSpec
        do {
            spec = try DeviceSpec.parse(value)
        } catch {
            throw AdminError("'\(value)': \(error)")
        }
        return try ConfigStore.update(container, { document throws(AdminError) in
            let running = try live.running(container)
            let before = try currentRecord(live, running, document)
            let nodes = try matchedNodes(usb.selector, usb.nodes, label: request.path)
            var edited = document
            var key: DeviceKey?
            var sync: SyncResult?
            if !request.temporary { (key, sync) = try add(&edited, spec, include: include) }
            var record = before
            var given: [GrantRecord.Grant] = [], placed: [DeviceNode] = [], rules: [DeviceRule] = []
            for node in nodes {
                do throws(AdminError) {
                    if record.grants.contains(where: { $0.containerPath == node.containerPath }) {
                        throw AdminError("\(OctalEscape.escapeForTerminal(node.containerPath)) is given to container '\(container.name)' already")
                    }
                    let planned = try planGrant(
                        spec, key: key, host: node.device, at: node.containerPath, running: running, record: record,
                        label: key.map { spec.label($0) } ?? request.path)
                    record = try give(planned, live: live, running: running, record: record) { after in
                        // An entry given again is no longer withheld from this run.
                        if let key { after.withheld.removeAll { $0.key == key } }
                    }
                    given.append(record.grants[record.grants.count - 1])
                    placed.append(planned.node)
                    rules += planned.rules
                } catch {
                    throw takingBack(given, from: running, record: record, live: live, after: error)
                }
            }
            if !request.temporary { document = edited }
            var result = AttachResult(key: key, node: placed[0], rules: rules, sync: sync)
            result.nodes = placed
            result.given = given
            result.running = running
            for node in nodes { result.sysfsDirectories[node.containerPath] = node.sysfsDirectory }
            return (result, running, before, record)
        }, undoingOnWriteFailure: { (result: AttachResult, running: RunningContainer, before: GrantRecord, after: GrantRecord) in
            // The container has the nodes, but the entry could not be written.
            for grant in result.given.reversed() { _ = try? live.remove(grant, from: running) }
            try? live.apply(undoing(result.rules, from: before), to: running)
            try? live.save(before, of: container)
        }).0
    }

    /// The nodes a USB selector matches now; an error naming it when none does.
    func matchedNodes(_ selector: USBSelector, _ nodes: USBNodes, label: String) throws(AdminError) -> [ResolvedNode] {
        let resolution: Resolution
        do {
            resolution = try resolver.resolve(selector, nodes: nodes)
        } catch {
            throw AdminError("\(label): \(error)")
        }
        switch resolution {
        case .nodes(let found): return found
        case .missing(let why), .notADevice(let why): throw AdminError("\(label): \(why)")
        }
    }

    /// `failure`, once the grants of `given` (the last ones of `record`) are
    /// taken back, each as `detach` takes one back (fails closed); says so.
    private func takingBack(
        _ given: [GrantRecord.Grant], from running: RunningContainer, record: GrantRecord, live: LiveSystem, after failure: AdminError
    ) -> AdminError {
        guard !given.isEmpty else { return failure }
        var record = record
        var problems: [String] = []
        for grant in given.reversed() {
            guard let index = record.grants.lastIndex(of: grant) else { continue }
            do throws(AdminError) {
                record = try takeBack(index, live: live, running: running, record: record).record
            } catch {
                problems.append("\(error)")
            }
        }
        let undone = problems.isEmpty ? "taken back" : "taken back, but: " + problems.joined(separator: "; ")
        return AdminError("\(failure); the \(given.count) node(s) given before it were \(undone)")
    }
}

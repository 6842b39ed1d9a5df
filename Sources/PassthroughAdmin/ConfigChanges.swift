import PassthroughModel

/// An entry `add` is to write: an entry as written (`entryValue`), its
/// options only those given.
public typealias NewEntry = DeviceSpec

/// What `sync` wrote, and what it could not.
public struct SyncResult: Equatable, Sendable {
    public var rules: [DeviceRule]
    public var warnings: [String]
}

extension Administration {
    /// Rewrites the managed block: the device rules for every `devN` entry,
    /// for both hierarchies, and the `lxc.include` of passthrough.conf when
    /// the config has none. With no entries the block goes away.
    public func sync(_ document: inout ConfigDocument, include: String) throws(AdminError) -> SyncResult {
        let lines = document.parsedEntries().sorted { ($0.key?.index ?? Int.max) < ($1.key?.index ?? Int.max) }
        guard !lines.isEmpty else {
            document.replaceBlock(with: [])
            return SyncResult(rules: [], warnings: [])
        }
        var devices: [RulePlanner.Device] = []
        var keys: [DeviceKey] = []
        var comments: [String] = []
        var warnings: [String] = []
        for line in lines {
            guard let key = line.key else {
                throw AdminError("'\(line.name)' (line \(line.lineNumber)) is not a device key: use dev0 to dev255")
            }
            let spec: DeviceSpec
            switch line.spec {
            case .success(let parsed): spec = parsed
            case .failure(let failure): throw AdminError("\(key): '\(line.value)': \(failure)")
            }
            guard let path = spec.path else {
                // A USB entry: a rule for each node it matches now.
                let label = OctalEscape.escapeForTerminal(spec.label(key))
                let resolution: Resolution
                do {
                    resolution = try resolve(spec)
                } catch {
                    warnings.append("\(label): \(error); no rule written for it")
                    continue
                }
                switch resolution {
                case .nodes(let nodes):
                    for node in nodes {
                        devices.append(RulePlanner.Device(type: node.type, number: node.number, denyWrite: spec.denyWrite))
                        keys.append(key)
                        comments.append("# \(label) \(OctalEscape.escapePath(node.hostPath)): \(node.type.rawValue) \(node.number)\(spec.denyWrite ? " read-only" : "")")
                    }
                case .missing(let why), .notADevice(let why):
                    if spec.required {
                        warnings.append("\(label): \(why); no rule written for it")
                    } else {
                        comments.append("# \(label): pending (required=0): \(why)")
                    }
                }
                continue
            }
            if let warning = DevicePath.metadataNameWarning(path) { warnings.append("\(key): \(warning)") }
            switch lookUp(path) {
            case .device(let host):
                devices.append(RulePlanner.Device(type: host.type, number: host.number, denyWrite: spec.denyWrite))
                keys.append(key)
                comments.append("# \(key) \(OctalEscape.escapePath(path)): \(host.type.rawValue) \(host.number)\(spec.denyWrite ? " read-only" : "")")
            case .missing(let why), .notADevice(let why):
                if spec.required {
                    warnings.append("\(key) (\(path)): \(why); no rule written for it")
                } else {
                    comments.append("# \(key) \(OctalEscape.escapePath(path)): pending (required=0): \(why)")
                }
            }
        }
        let baseline = try deviceRules(document, includingManagedBlock: false)
        let rules = RulePlanner.rules(for: devices, baseline: baseline)
        if devices.contains(where: \.denyWrite), try idMap(document).isPrivileged,
           !DevicePolicy(hierarchy: .v2, rules: baseline).deniesByDefault {
            warnings.append("this privileged container allows all devices: on cgroup v2 LXC's rules stop writes to a deny-write device but not a read-write open; include /usr/share/lxc/config/common.conf to make deny-write complete")
        }
        for hierarchy in DeviceRule.Hierarchy.allCases {
            let policy = DevicePolicy(hierarchy: hierarchy, rules: baseline + rules)
            for (device, key) in zip(devices, keys) where !RulePlanner.isSatisfied(device, by: policy) {
                warnings.append("\(key): the container's own rules (\(hierarchy.rawValue)) already allow writing \(device.type.rawValue) \(device.number); no rule can make it read-only")
            }
        }
        var block: [String] = []
        if !Administration.includesPassthrough(document) { block.append("lxc.include = \(include)") }
        document.replaceBlock(with: block + comments + rules.map(\.description))
        return SyncResult(rules: rules, warnings: warnings)
    }

    /// Whether the config, outside the managed block, includes a passthrough.conf.
    static func includesPassthrough(_ document: ConfigDocument) -> Bool {
        document.includes(where: { $0.hasSuffix("/passthrough.conf") })
    }

    /// Validates a new entry as pre-start would, writes it as the lowest free `devN`, and syncs.
    /// An optional entry (`required: false`) may name a device that is not there yet.
    public func add(_ document: inout ConfigDocument, _ entry: NewEntry, include: String) throws(AdminError) -> (DeviceKey, SyncResult) {
        let (added, result) = try add(&document, [entry], include: include)
        return (added[0].key, result)
    }

    /// Validates new entries as pre-start would, writes each as the lowest
    /// free `devN`, in order, and syncs once. All are written or none.
    public func add(
        _ document: inout ConfigDocument, _ entries: [NewEntry], include: String
    ) throws(AdminError) -> (added: [(key: DeviceKey, value: String)], sync: SyncResult) {
        let lines = document.parsedEntries()
        var used = Set(lines.compactMap { $0.key?.index })
        var requested = lines.compactMap { line -> ContainerConfig.Entry? in
            // An entry already there that does not parse is not checked against the new ones here:
            // the sync that follows refuses the whole change, naming it.
            guard let key = line.key, line.parsed != nil else { return nil }
            return ContainerConfig.Entry(key: key, value: line.value, origin: "\(container.configPath):\(line.lineNumber)")
        }
        var added: [(key: DeviceKey, value: String)] = []
        for entry in entries {
            for text in [entry.path, entry.mountPath].compactMap({ $0 }) {
                if let problem = DevicePath.controlCharacterProblem(text) { throw AdminError(problem) }
            }
            if let problem = entry.writingProblem { throw AdminError(problem) }
            let value = entry.entryValue
            let written: DeviceSpec
            do {
                written = try DeviceSpec.parse(value)
            } catch {
                throw AdminError("'\(value)': \(error)")
            }
            // What is written must be read back as the entry asked for (`writingProblem` says the one known way it is not).
            guard written == entry else { throw AdminError("'\(value)': would be read back as another entry than the one asked for") }
            if entry.required {
                if let path = entry.path {
                    _ = try hostDevice(path)
                } else {
                    // A required USB entry is checked as pre-start will: a device must match now.
                    switch try resolveForAdd(entry) {
                    case .nodes: break
                    case .missing(let why), .notADevice(let why): throw AdminError("\(entry.selector): \(why) (add it with --required=0 to wait for it)")
                    }
                }
            }
            guard let key = DeviceKey.range.first(where: { !used.contains($0) }).flatMap({ DeviceKey(index: $0) }) else {
                throw AdminError("all 256 device keys (dev0 to dev255) are in use: \(entry.selector) has none left")
            }
            used.insert(key.index)
            requested.append(ContainerConfig.Entry(key: key, value: value, origin: "the new entry \(key)"))
            added.append((key, value))
        }
        let map = try idMap(document)
        do {
            _ = try DevicePlanner.requestedDevices(entries: requested, idMap: map)
        } catch {
            throw AdminError("\(error)")
        }
        for (key, value) in added { document.addDevice(key, value: value) }
        return (added, try sync(&document, include: include))
    }

    /// `resolve`, its failure worded for `add`.
    func resolveForAdd(_ entry: NewEntry) throws(AdminError) -> Resolution {
        do {
            return try resolve(entry)
        } catch {
            throw AdminError("\(entry.selector): \(error)")
        }
    }

    /// The key of the entry whose host path is `path`, if there is one.
    public func existingKey(for path: String, in document: ConfigDocument) -> DeviceKey? {
        // An entry that does not parse names no path: passed over (`add` then adds one, and its sync names the bad entry).
        document.parsedEntries().first { $0.parsed?.path == path }?.key
    }

    /// Removes the entry named by its key (`dev3`) or its path, and syncs.
    public func remove(_ document: inout ConfigDocument, target: String, include: String) throws(AdminError) -> (DeviceKey, SyncResult) {
        let lines = document.parsedEntries()
        let match: DeviceKey?
        if let key = DeviceKey(target) {
            match = lines.first { $0.key == key }?.key
        } else {
            let normalized = DevicePath.normalized(target)
            // An entry that does not parse names no path: it is removed by its key only.
            match = lines.first { line in
                guard let spec = line.parsed else { return false }
                return spec.path == target || spec.containerPath == normalized
            }?.key
        }
        guard let key = match else {
            throw AdminError("container '\(container.name)' has no device entry \(target)")
        }
        document.removeDevice(key)
        return (key, try sync(&document, include: include))
    }
}

extension Administration {
    /// Entries whose path a disk names for itself (`/dev/disk/by-label/...`):
    /// what `check` warns of, as `sync` and `add` do.
    public func metadataNameWarnings(_ document: ConfigDocument) -> [String] {
        // An entry that does not parse is passed over: `check` reports it as a problem (`problems`), not as a warning.
        document.parsedEntries().compactMap { line in
            guard let path = line.parsed?.path, let warning = DevicePath.metadataNameWarning(path) else { return nil }
            return "\(line.name): \(warning)"
        }
    }

    /// On a Proxmox VE host: entries that use our keys (`required`, `mp`,
    /// and a USB entry's `usb`, `serial`, `usb-port`, `nodes`), which
    /// Proxmox's own `devN` format does not have.
    public func proxmoxKeyWarnings(_ document: ConfigDocument, onProxmoxHost: Bool) -> [String] {
        guard onProxmoxHost else { return [] }
        // An entry that does not parse is passed over: `check` reports it as a problem, and `add` and `sync` refuse it.
        return document.parsedEntries().compactMap { line in
            guard let spec = line.parsed, !spec.keysProxmoxRefuses.isEmpty else { return nil }
            let keys = DeviceSpec.quoted(spec.keysProxmoxRefuses)
            return "\(line.name): this is a Proxmox VE host, and Proxmox's own tools (pct, the web interface) do not accept \(keys) in a devN entry: "
                + "keep such entries out of /etc/pve/lxc, where pct would refuse the config"
        }
    }
}

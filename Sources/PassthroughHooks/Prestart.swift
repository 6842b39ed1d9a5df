import PassthroughModel
import PassthroughSystem

/// The pre-start hook: on the host, as real root, before the container's mounts.
public enum Prestart {
    /// What a start did: the devices passed through, and a line for each
    /// optional one (`required=0`) left pending.
    public struct Outcome: Equatable, Sendable {
        public var count: Int
        public var pending: [String]
        /// What the start read and built, for `HookReport.kept`. Not compared.
        var kept: Kept? = nil

        public static func == (lhs: Outcome, rhs: Outcome) -> Bool { lhs.count == rhs.count && lhs.pending == rhs.pending }
    }

    /// What a start read and built, kept until the exit (`HookReport.kept`):
    /// the config's text, its entries and the nodes hold paths of 64 bytes or
    /// more. Filled only while the start runs, before it is handed on.
    final class Kept: @unchecked Sendable {
        let files: FileCache
        var config: ContainerConfig?
        var start: ConfigReader.StartConfig?
        var claimed: [String: DeviceKey] = [:]
        var requested: [RequestedDevice] = []
        var nodes: [PlannedNode] = []
        var plan: PrestartPlan?
        var record: GrantRecord?

        init(files: FileCache) { self.files = files }
    }

    /// What `pve-prestart-hook` runs: the summary line (nil with no devices)
    /// and the pending lines, as warnings.
    public static func hook(_ context: HookContext) throws(HookFailure) -> HookReport {
        let outcome = try run(context)
        return HookReport(
            summary: outcome.count == 0 ? nil : "prepared \(outcome.count) device node(s) in \(context.passthroughDirectory)",
            warnings: outcome.pending, keeping: outcome.kept)
    }

    @discardableResult
    public static func run(
        _ context: HookContext, proxmoxDirectory: String = ConfigLoader.proxmoxConfigDirectory,
        records: GrantRecordStore = GrantRecordStore(), hierarchy: DeviceRule.Hierarchy? = nil, resolver: DeviceResolver = DeviceResolver()
    ) throws(HookFailure) -> Outcome {
        let directory = PassthroughDirectory(containerDirectory: context.containerDirectory)
        // A tmpfs left by an earlier start goes first, even if this start fails; and so does
        // the record of an earlier run's processes (start-host writes this run's).
        try directory.clear()
        let files = FileCache()
        let kept = Kept(files: files)
        let (config, start) = try ConfigLoader.load(context, proxmoxDirectory: proxmoxDirectory, files: files)
        kept.config = config
        kept.start = start
        // Entry by entry (as `DevicePlanner.requestedDevices`), keeping the container paths they
        // claim: `resolve` goes on claiming USB nodes' paths in them, rather than hashing every path again.
        // Sized once: growing and rehashing them as entries came was about 2,000 instructions a device.
        // (A dictionary by `init(minimumCapacity:)`: its `reserveCapacity` is not specialized.)
        var claimed = [String: DeviceKey](minimumCapacity: config.devices.count)
        var requested: [RequestedDevice] = []
        requested.reserveCapacity(config.devices.count)
        for entry in config.devices {
            requested.append(try DevicePlanner.requestedDevice(entry, idMap: config.idMap, claimed: &claimed))
        }
        kept.claimed = claimed
        kept.requested = requested
        guard !requested.isEmpty else {
            try recordMonitor(context, records: records)
            return Outcome(count: 0, pending: [], kept: kept)
        }
        var (nodes, pending) = try resolve(requested, claimed: claimed, resolver: resolver)
        kept.nodes = nodes
        // Read with the id map; a rule that cannot be parsed is refused here, after the devices are found, as before.
        if !start.ruleFailures.isEmpty { throw HookFailure("cannot read the container's device rules: \(start.ruleFailures[0])") }
        let settings = start.settings
        try refuseHostMountNamespace(monitorUnshare: settings.monitorUnshare)
        let hierarchy = hierarchy ?? .detect()
        let started = settings.deviceRules, own = settings.ownDeviceRules
        let policy = DevicePolicy(hierarchy: hierarchy, rules: started)
        // An optional device whose rule is not in the config yet is pending too: the start goes on without it.
        // (Each node of an optional USB entry on its own: one of its nodes new since the last sync waits, the others are given.)
        let optional = Set(requested.filter { !$0.spec.required }.map(\.key))
        for index in nodes.indices.reversed() where optional.contains(nodes[index].key) {
            let node = nodes[index]
            let needs = RulePlanner.Device(type: node.type, number: node.number, denyWrite: node.readOnly)
            guard let problem = RulePlanner.outOfDate(needs, under: policy, containerName: context.containerName) else { continue }
            pending.insert(pendingLine(node.label, node.about(problem)), at: 0)
            nodes.remove(at: index)
        }
        try checkRules(nodes, policy: policy, context: context)
        try recordMonitor(context, records: records)
        // With only pending entries there is no tmpfs, but still a record (of no grant): the watcher
        // sees the start there, and the rules in force for when it gives a device.
        var made: [NodeName: GrantRecord.NodeIdentity] = [:]
        if !nodes.isEmpty {
            let plan = PrestartPlan(nodes: nodes, containerRoot: config.idMap.hostRoot)
            kept.plan = plan
            made = try directory.apply(plan)
        }
        let grants = nodes.map { node in
            GrantRecord.Grant(
                key: node.key, containerPath: node.containerPath, type: node.type, number: node.number, readOnly: node.readOnly,
                node: made[node.name]!)
        }
        let record = GrantRecord(
            madeAt: ProcessStatus.bootTime(), rules: LiveDeviceRules(hierarchy: hierarchy, started: started), ownRules: own, grants: grants)
        kept.record = record
        do {
            try records.write(record, for: try translatingErrors({ () throws(SystemError) in
                try FileSystem.status(context.containerDirectory)
            }, GrantRecordStore.Failure.system))
        } catch {
            try? directory.clear()
            throw HookFailure("cannot record what the container is given: \(error)")
        }
        return Outcome(count: nodes.count, pending: pending, kept: kept)
    }

    /// The nodes each entry gives now (`DeviceResolver`), and a pending line
    /// for each optional entry that has none. A required entry with none
    /// refuses the start, naming it; so does a selector that cannot be
    /// resolved (sysfs unreadable), optional or not, and a node at a
    /// container path an earlier entry has (two USB entries that match one
    /// device, or one whose node is where a path entry puts its own).
    /// `claimed` holds the container path of each path entry (`DevicePlanner.requestedDevice`).
    static func resolve(
        _ requested: [RequestedDevice], claimed: [String: DeviceKey], resolver: DeviceResolver
    ) throws(HookFailure) -> (nodes: [PlannedNode], pending: [String]) {
        var nodes: [PlannedNode] = []
        var pending: [String] = []
        var claimed = claimed
        for device in requested {
            let resolution: Resolution
            do {
                resolution = try resolver.resolve(device.spec)
            } catch {
                throw HookFailure(device: device.label, "\(error)")
            }
            switch resolution {
            case .nodes(let found):
                for (index, resolved) in found.enumerated() {
                    if device.containerPath == nil {
                        try DevicePlanner.claim(resolved.containerPath, by: device.key, label: device.label, claimed: &claimed)
                    }
                    nodes.append(device.node(resolved, index: index))
                }
            case .missing(let why), .notADevice(let why):
                guard !device.spec.required else { throw HookFailure(device: device.label, why) }
                pending.append(pendingLine(device.label, why))
            }
        }
        return (nodes, pending)
    }

    /// Records the monitor running this start (the hook's parent, or the
    /// parent of the `sh -c` LXC runs it through), with no init yet: from now
    /// on the container is starting; start-host records its init. Replaces
    /// the record of an earlier run (whose monitor is gone: until replaced,
    /// it says the container is stopped).
    static func recordMonitor(_ context: HookContext, records: GrantRecordStore) throws(HookFailure) {
        let failed = { (error: SystemError) in HookFailure("cannot record the container's monitor: \(error)") }
        let monitor = try translatingErrors({ () throws(SystemError) -> RunRecord.Process in
            var pid = try ProcessStatus.read("self").parent
            if let executable = try? FileSystem.readLink("/proc/" + String(pid) + "/exe"), isShell(executable) {
                pid = try ProcessStatus.read(String(pid)).parent
            }
            return RunRecord.Process(pid: pid, startedAt: try ProcessStatus.read(String(pid)).startedAt)
        }, failed)
        do {
            let container = try translatingErrors({ () throws(SystemError) in try FileSystem.status(context.containerDirectory) }, GrantRecordStore.Failure.system)
            try records.writeRun(RunRecord(monitor: monitor, initProcess: nil), for: container)
        } catch {
            throw HookFailure("cannot record the container's monitor: \(error)")
        }
    }

    /// Whether `executable` (a path) is a shell LXC may run the hook through:
    /// its last component read on bytes, with no array of pieces made.
    static func isShell(_ executable: String) -> Bool {
        let bytes = executable.utf8
        let name = bytes.lastIndex(of: UInt8(ascii: "/")).map { Substring(bytes[bytes.index(after: $0)...]) } ?? Substring(executable)
        switch name {
        case "sh", "dash", "bash": return true
        default: return false
        }
    }

    /// The log line of an optional device left out of this start.
    static func pendingLine(_ label: String, _ why: String) -> String {
        "\(label): \(why); optional (required=0): pending, 'lxc-passthrough watch' puts it in when it appears"
    }

    /// The tmpfs with the nodes belongs in the monitor's own mount namespace
    /// (`lxc.monitor.unshare = 1`, which passthrough.conf sets): in the
    /// host's it would stay mounted there, nodes and all, for the container's
    /// life. Refused when the config turns it off (a later
    /// `lxc.monitor.unshare = 0`), and when this process shares PID 1's mount
    /// namespace (where PID 1's can be looked at: a sandbox may deny it).
    static func refuseHostMountNamespace(
        monitorUnshare unshare: String?, own ownPath: String = "/proc/self/ns/mnt", host hostPath: String = "/proc/1/ns/mnt"
    ) throws(HookFailure) {
        let fix = "set lxc.monitor.unshare = 1 (passthrough.conf sets it; a later 'lxc.monitor.unshare = 0' in the config undoes it)"
        // LXC reads it as a number; any but 0 unshares.
        guard let value = unshare.flatMap({ UInt($0) }), value != 0 else {
            throw HookFailure("lxc.monitor.unshare is \(unshare.map { "'\($0)'" } ?? "not set"): the monitor would share the host's mount namespace, "
                + "where the device nodes would stay mounted for the container's life: \(fix)")
        }
        guard let host = try? FileSystem.status(hostPath) else { return }
        let own = try translatingErrors({ () throws(SystemError) in try FileSystem.status(ownPath) }, { error in
            HookFailure("cannot tell whether the monitor has its own mount namespace: \(error)")
        })
        guard own.st_ino != host.st_ino || own.st_dev != host.st_dev else {
            throw HookFailure("pre-start runs in the host's mount namespace, where the device nodes would stay mounted for the container's life: \(fix)")
        }
    }

    /// Refuses a device the container's device cgroup rules would not give the
    /// access asked for (a USB adapter plugged in again with a new number
    /// since the last `lxc-passthrough sync`): better a clear refusal than a
    /// node that answers EPERM.
    static func checkRules(_ nodes: [PlannedNode], policy: DevicePolicy, context: HookContext) throws(HookFailure) {
        for node in nodes {
            let needs = RulePlanner.Device(type: node.type, number: node.number, denyWrite: node.readOnly)
            if let problem = RulePlanner.outOfDate(needs, under: policy, containerName: context.containerName) {
                throw HookFailure(device: node.label, node.about(problem))
            }
        }
    }
}

import PassthroughModel

/// One row of `lxc-passthrough list`.
public struct DeviceReport: Equatable, Sendable {
    public enum Status: String, Sendable {
        case ready
        case missing
        case notADevice = "not a device"
        case ruleOutOfDate = "rule out of date"
        case invalid
        /// Optional (`required=0`) and absent, or present without its rule yet: the start goes on without it.
        case pending
        /// Given to the running container, named by no entry (`attach --temporary`, or an entry removed since).
        case runningOnly = "running only"
        /// Taken back from the running container, whose node could not be
        /// taken out of it: the node is still there, denied.
        case leftDenied = "left, denied"
    }

    /// What the host's record says the running container was given.
    public enum Given: String, Sendable {
        case readWrite = "rw"
        case readOnly = "r"
    }

    public var key: String
    public var path: String
    public var type: DeviceType?
    public var number: DeviceNumber?
    public var mode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    public var hostUID: UInt32?
    public var hostGID: UInt32?
    public var denyWrite: Bool
    /// `required=0` makes it optional.
    public var required: Bool = true
    /// `mp=`: where it appears in the container, when not at `path`.
    public var mountPath: String? = nil
    /// For a USB entry: the nodes it matches now (each at its host path in the container).
    public var found: [ResolvedNode] = []
    public var status: Status
    /// Why the status is not `ready`.
    public var problem: String?
    /// What the problem is about, as pre-start names it (`dev3`,
    /// `invalid container configuration`); nil for `KEY (PATH)`.
    public var subject: String? = nil
    /// What the running container was given for this entry; nil when it is
    /// not running, or has nothing of this entry's device under its key.
    public var given: Given? = nil
}

extension Administration {
    /// One report per `devN` line, in key order. Each entry is judged by the
    /// planner pre-start uses, in the order pre-start takes them.
    public func reports(_ document: ConfigDocument) throws(AdminError) -> [DeviceReport] {
        let map = try idMap(document)
        let policy = DevicePolicy(hierarchy: hierarchy, rules: try deviceRules(document, includingManagedBlock: true))
        let origin = { (line: Int) in "\(container.configPath):\(line)" }
        // Keys are judged in file order, as pre-start reads them.
        var firstLine: [DeviceKey: String] = [:]
        var keyProblems: [Int: ConfigError] = [:]
        for line in document.deviceLines() {
            do {
                let key = try ConfigReader.entryKey(line.name, origin: origin(line.lineNumber), earlier: { firstLine[$0] })
                firstLine[key] = origin(line.lineNumber)
            } catch {
                keyProblems[line.lineNumber] = error
            }
        }
        var claimed: [String: DeviceKey] = [:]
        let ordered = document.parsedEntries().sorted {
            ($0.key?.index ?? Int.max, $0.lineNumber) < ($1.key?.index ?? Int.max, $1.lineNumber)
        }
        return ordered.map { line in
            var report = DeviceReport(key: line.name, path: line.value, denyWrite: false, status: .invalid)
            guard let key = line.key, keyProblems[line.lineNumber] == nil else {
                report.problem = keyProblems[line.lineNumber]?.description
                report.subject = ConfigError.invalidConfigurationSubject
                return report
            }
            let entry = ContainerConfig.Entry(key: key, value: line.value, origin: origin(line.lineNumber))
            let spec: DeviceSpec
            switch line.spec {
            case .failure(let failure):
                // Reported as pre-start refuses it.
                let refusal = DevicePlanner.parseFailure(entry, failure)
                report.problem = refusal.message
                report.subject = refusal.device
                return report
            case .success(let parsed):
                spec = parsed
                report.path = spec.selector.description
                report.mode = spec.mode
                report.uid = spec.uid
                report.gid = spec.gid
                report.denyWrite = spec.denyWrite
                report.required = spec.required
                report.mountPath = spec.mountPath
                report.hostUID = map.hostID(for: spec.uid, kind: .user)
                report.hostGID = map.hostID(for: spec.gid, kind: .group)
            }
            let device: RequestedDevice
            do throws(HookFailure) {
                device = try DevicePlanner.requestedDevice(key: key, spec: spec, idMap: map, claimed: &claimed)
            } catch {
                report.problem = error.message
                report.subject = error.device
                return report
            }
            report.hostUID = device.hostUID
            report.hostGID = device.hostGID
            report.mode = device.mode
            let resolution: Resolution
            do {
                resolution = try resolve(device.spec)
            } catch {
                // Pre-start refuses a start when sysfs cannot be read, optional entry or not.
                report.problem = "\(error)"
                report.subject = device.label
                return report
            }
            switch resolution {
            case .missing(let why):
                report.status = .missing
                report.problem = why
            case .notADevice(let why):
                report.status = .notADevice
                report.problem = why
            case .nodes(let nodes):
                // A USB entry's report is of its first node; `found` has them all.
                report.type = nodes.first?.type
                report.number = nodes.first?.number
                report.found = device.containerPath == nil ? nodes : []
                report.status = .ready
                for node in nodes {
                    let needs = RulePlanner.Device(type: node.type, number: node.number, denyWrite: device.spec.denyWrite)
                    if let outOfDate = RulePlanner.outOfDate(needs, under: policy, containerName: container.name) {
                        report.status = .ruleOutOfDate
                        report.problem = device.containerPath == nil ? "\(OctalEscape.escapeForTerminal(node.containerPath)): \(outOfDate)" : outOfDate
                        break
                    }
                }
            }
            // What pre-start would refuse in a required entry, it leaves pending in an optional one.
            if !device.spec.required, report.status != .ready {
                report.status = .pending
                report.problem = "\(report.problem ?? "not ready"); optional (required=0): the start goes on without it, 'lxc-passthrough watch' puts it in"
            }
            return report
        }
    }

    /// What each USB entry matches now, one line each, for `check`:
    /// `dev0 (usb 10c4:ea60) matches /dev/bus/usb/001/005 (c 189:4), /dev/ttyUSB0 (c 188:0)`.
    public func usbMatches(_ document: ConfigDocument) throws(AdminError) -> [String] {
        // A USB entry with none is reported by `problems` (or is pending), in pre-start's words.
        try reports(document).compactMap { report in
            guard !report.found.isEmpty else { return nil }
            let nodes = report.found.map { "\(OctalEscape.escapeForTerminal($0.hostPath)) (\($0.type.rawValue) \($0.number))" }
            return "\(report.key) (\(OctalEscape.escapeForTerminal(report.path))) matches \(nodes.joined(separator: ", "))"
        }
    }

    /// Every problem pre-start would find, one message each, in its words
    /// (`dev3 (/dev/x): ...`).
    public func problems(_ document: ConfigDocument) throws(AdminError) -> [String] {
        try reports(document).compactMap { report in
            guard report.status != .ready, report.status != .pending else { return nil }
            return "\(report.subject ?? "\(report.key) (\(report.path))"): \(report.problem ?? report.status.rawValue)"
        }
    }
}

/// What the host's record says of a container, for `list`.
public enum RecordedGrants {
    case notRunning
    /// It may run, but its start left no record of its processes: started
    /// before lxc-passthrough 0.6.0; not acted on until it restarts.
    case unverified
    /// Running, and the host has no record of this run: it started before
    /// lxc-passthrough kept records, or with no device and nothing attached since.
    case unrecorded
    /// Its grants, and the nodes taken back but left in it.
    case recorded([GrantRecord.Grant], left: [GrantRecord.Grant])
}

extension Administration {
    /// What the running container was given, from the host's record of this run.
    public func recordedGrants(live: LiveSystem) throws(AdminError) -> RecordedGrants {
        let running: RunningContainer
        switch try live.state(of: container) {
        case .running(let found): running = found
        case .notRunning: return .notRunning
        case .unverified: return .unverified
        }
        guard let record = try recordOfThisRun(live, running) else { return .unrecorded }
        return .recorded(record.grants, left: record.left)
    }
}

extension DeviceReport {
    /// `reports` with what the running container was given: an entry gets
    /// the grant of its key when that grant is of the entry's device; each
    /// grant no entry takes becomes a row of its own, `running only`.
    public static func adding(given grants: [GrantRecord.Grant], left: [GrantRecord.Grant] = [], to reports: [DeviceReport]) -> [DeviceReport] {
        var rows = reports
        var taken = Set<Int>()
        for index in rows.indices {
            let row = rows[index]
            guard let key = DeviceKey(row.key),
                  let grant = grants.lastIndex(where: { $0.key == key && (row.number == nil || ($0.type == row.type && $0.number == row.number)) })
            else { continue }
            rows[index].given = grants[grant].readOnly ? .readOnly : .readWrite
            taken.insert(grant)
        }
        for (index, grant) in grants.enumerated() where !taken.contains(index) {
            rows.append(DeviceReport(
                key: grant.key?.description ?? "-", path: grant.containerPath, type: grant.type, number: grant.number,
                denyWrite: grant.readOnly, status: .runningOnly,
                problem: "in the running container only: no entry gives it, it is gone at the next start",
                given: grant.readOnly ? .readOnly : .readWrite))
        }
        for node in left {
            rows.append(DeviceReport(
                key: node.key?.description ?? "-", path: node.containerPath, type: node.type, number: node.number, denyWrite: node.readOnly,
                status: .leftDenied,
                problem: "access taken back, but the node could not be taken out of the running container: it is there, denied, "
                    + "and nothing is given at its path or of its number until it is gone (the watcher tries again; a restart clears it)"))
        }
        return rows
    }
}

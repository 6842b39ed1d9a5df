import PassthroughModel

/// One link of the chain from an entry to a device that works inside.
public struct DoctorLink: Equatable, Sendable {
    public enum Verdict: String, Sendable {
        case pass, fail
        /// Not checked: it does not apply (the container is not running), or an earlier link failed.
        case skip
    }

    public var number: Int
    /// A short name: `entry`, `host node`, `rule`, `node inside`, `open`, `accounts`, `udev`, `others`, `start`.
    public var name: String
    public var verdict: Verdict
    /// What was found; for a failure, what is wrong.
    public var message: String
    /// The command that fixes a failure.
    public var fix: String?

    public init(_ number: Int, _ name: String, _ verdict: Verdict, _ message: String, fix: String? = nil) {
        self.number = number
        self.name = name
        self.verdict = verdict
        self.message = message
        self.fix = fix
    }
}

/// The nine links of an entry, judged from its gathered facts. Pure: what
/// is wrong and what fixes it follow from `DoctorFacts` alone.
public enum DoctorChain {
    public static let names = ["entry", "host node", "rule", "node inside", "open", "accounts", "udev", "others", "start"]

    public static func links(_ facts: DoctorFacts) -> [DoctorLink] {
        let judge = Judge(facts: facts)
        return [judge.entry(), judge.hostNode(), judge.rule(), judge.nodeInside(), judge.open(), judge.accounts(), judge.udev(),
                judge.others(), judge.start()]
    }

    /// Whether every link passed or was skipped.
    public static func passes(_ links: [DoctorLink]) -> Bool { !links.contains { $0.verdict == .fail } }
}

private struct Judge {
    let facts: DoctorFacts
    var report: DeviceReport { facts.report }
    var name: String { facts.container }
    /// The container as LXC's tools name it: `-n NAME`, `-P DIR -n NAME` under another container path.
    var lxcName: String { (facts.lxcPath.map { "-P \($0) " } ?? "") + "-n \(name)" }
    /// As lxc-passthrough names it: `NAME`, `-P DIR NAME`.
    var ourName: String { (facts.lxcPath.map { "-P \($0) " } ?? "") + name }
    var restart: String { "lxc-stop \(lxcName) && lxc-start \(lxcName)" }
    var syncAndRestart: String { "lxc-passthrough sync \(ourName), then restart it: \(restart)" }
    var device: (type: DeviceType, number: DeviceNumber)? {
        guard let type = report.type, let number = report.number else { return nil }
        return (type, number)
    }
    var access: String { report.denyWrite ? "read-only" : "read-write" }
    var ruleAccess: String { report.denyWrite ? "r" : "rw" }
    var parsed: Bool { report.status != .invalid }
    var shownPath: String { report.mountPath.map { "\(report.path) -> \($0)" } ?? report.path }
    var insidePath: String { facts.containerPath ?? report.path }

    func link(_ number: Int, _ verdict: DoctorLink.Verdict, _ message: String, fix: String? = nil) -> DoctorLink {
        DoctorLink(number, DoctorChain.names[number - 1], verdict, message, fix: fix)
    }

    // 1. The entry parses as pre-start would.
    func entry() -> DoctorLink {
        guard parsed else {
            return link(1, .fail, "\(report.subject ?? report.key): \(report.problem ?? "invalid")",
                        fix: "edit \(report.key) in \(facts.configPath) (see 'lxc-passthrough check \(ourName)')")
        }
        var parts = ["\(shownPath)", "mode \(report.mode.map { octal($0) } ?? "?")", "owner \(report.uid.map(String.init) ?? "?"):\(report.gid.map(String.init) ?? "?")"]
        if let uid = report.hostUID, let gid = report.hostGID { parts[2] += " (host \(uid):\(gid))" }
        if report.denyWrite { parts.append("deny-write") }
        if !report.required { parts.append("optional") }
        return link(1, .pass, "parses as pre-start reads it: " + parts.joined(separator: ", "))
    }

    // 2. The host path resolves to a node of the recorded type and number.
    func hostNode() -> DoctorLink {
        guard parsed else { return link(2, .skip, "no entry to resolve (link 1)") }
        guard let device else {
            let why = report.problem ?? report.status.rawValue
            let fix = report.required
                ? "plug the device in, or correct the path of \(report.key) in \(facts.configPath)"
                : "plug the device in: it is optional (required=0), 'lxc-passthrough watch' puts it in"
            return link(2, .fail, "\(report.path): \(why)", fix: fix)
        }
        if let grant = facts.running?.record?.grant, grant.type != device.type || grant.number != device.number {
            return link(2, .fail, "\(report.path) is \(device.type.rawValue) \(device.number) now, but the running container was given "
                + "\(grant.type.rawValue) \(grant.number) under \(report.key): renumbered since, and no watcher followed it",
                fix: syncAndRestart + " (or keep 'lxc-passthrough watch' running)")
        }
        let nodes = report.found.count > 1 ? " (first of \(report.found.count) nodes)" : ""
        return link(2, .pass, "\(report.path) is \(device.type.rawValue) \(device.number)\(nodes)")
    }

    // 3. The rule in force allows it.
    func rule() -> DoctorLink {
        guard parsed, let device else { return link(3, .skip, "no device to give a rule for (link \(parsed ? 2 : 1))") }
        let wanted = "\(device.type.rawValue) \(device.number) \(access) access"
        if report.status == .ruleOutOfDate || (report.status == .pending && report.problem?.contains("device rules") == true) {
            return link(3, .fail, "the config's device rules do not give \(wanted)", fix: facts.running == nil ? "lxc-passthrough sync \(ourName)" : syncAndRestart)
        }
        var sources = ["the config's rules"]
        if let running = facts.running {
            if let record = running.record {
                let goal = LiveDeviceRules.Goal.passedThrough(readOnly: report.denyWrite)
                guard record.rules.meets(goal, device.type, device.number) else {
                    return link(3, .fail, "the rules in force in the running container (the host's record, cgroup \(record.hierarchy == .v1 ? "v1" : "v2")) do not give \(wanted)",
                                fix: syncAndRestart)
                }
                sources.append("the rules in force (the host's record, cgroup \(record.hierarchy == .v1 ? "v1" : "v2"))")
            }
            switch running.deniedByOurProgram {
            case true?:
                // Taken back from this run: the number stays in the map until lxc-passthrough gives it again,
                // whatever LXC's list allows (lxc-device add, lxc-cgroup).
                return link(3, .fail, "lxc-passthrough's own device program (cgroup v2) denies \(device.type.rawValue) \(device.number): "
                    + "lxc-passthrough took it back from this run, and only lxc-passthrough gives it again", fix: "restart it: \(restart)")
            case false?:
                sources.append("lxc-passthrough's own device program (v2)")
            case nil:
                break
            }
            switch running.kernelList {
            case .lines(let lines)?:
                let rules = lines.compactMap { DeviceRule(.v1, .allow, value: $0) }
                if rules.contains(where: \.isAll) {
                    sources.append("the kernel's devices.list (it allows all but what it denies, which it does not list: see link 5)")
                } else {
                    let policy = DevicePolicy(hierarchy: .v1, rules: [DeviceRule(.v1, .deny, nil, major: nil, minor: nil, access: .all)] + rules)
                    let needed = RulePlanner.requiredAccess(denyWrite: report.denyWrite).allowed
                    guard policy.permits(device.type, device.number, needed) else {
                        return link(3, .fail, "the kernel's devices.list of the running container (cgroup v1) does not give \(wanted)"
                            + (running.record == nil ? "" : ", though the host's record does: taken back by hand (lxc-cgroup)?"),
                            fix: "lxc-cgroup \(lxcName) devices.allow '\(device.type.rawValue) \(device.number) \(ruleAccess)', or restart it: \(restart)")
                    }
                    sources.append("the kernel's devices.list (v1)")
                }
            case .unreadable(let why)?:
                return link(3, .fail, "cannot read the running container's devices.list: \(why)")
            case nil:
                break
            }
        }
        return link(3, .pass, "\(wanted) given by " + sources.joined(separator: ", "))
    }

    // 4. The node inside has the type, number, owner and mode the entry asks for.
    func nodeInside() -> DoctorLink {
        guard let running = facts.running else { return link(4, .skip, "the container is not running: pre-start makes the node at its next start") }
        guard parsed, let device else { return link(4, .skip, "no device to look for (link \(parsed ? 2 : 1))") }
        let probe: DoctorFacts.Probe
        switch running.probe {
        case nil: return link(4, .skip, "not looked at")
        case .failure(let problem)?: return link(4, .fail, "cannot look inside: \(problem)")
        case .success(let found)?: probe = found
        }
        if let failure = probe.lookupFailure {
            if probe.absent {
                return link(4, .fail, "no node at \(insidePath) inside the container", fix: "restart it: \(restart) (or 'lxc-passthrough attach')")
            }
            return link(4, .fail, "cannot look at \(insidePath) inside: \(failure)")
        }
        guard let mode = probe.mode, let type = probe.type, let number = probe.number else {
            return link(4, .fail, "\(insidePath) inside is \(fileType(probe.mode)), not a device node", fix: "restart it: \(restart)")
        }
        var wrong: [String] = []
        var fix = "restart it: \(restart)"
        if type != device.type || number != device.number {
            wrong.append("it is \(type.rawValue) \(number), the host path is \(device.type.rawValue) \(device.number)")
            fix = syncAndRestart
        }
        let uid = probe.hostUID.flatMap { running.idMap.containerID(for: $0, kind: .user) }
        let gid = probe.hostGID.flatMap { running.idMap.containerID(for: $0, kind: .group) }
        func shown(_ inside: UInt32?, _ host: UInt32?) -> String {
            inside.map(String.init) ?? "nobody (host \(host.map(String.init) ?? "?"), outside the id map)"
        }
        if uid == nil || gid == nil {
            wrong.append("its owner is \(shown(uid, probe.hostUID)):\(shown(gid, probe.hostGID))")
        } else if uid != report.uid || gid != report.gid {
            wrong.append("its owner is \(uid!):\(gid!), the entry asks for \(report.uid.map(String.init) ?? "?"):\(report.gid.map(String.init) ?? "?")")
        }
        if let wanted = report.mode, mode & 0o7777 != wanted {
            wrong.append("its mode is \(octal(mode & 0o7777)), the entry asks for \(octal(wanted))")
        }
        let seen = "\(insidePath) inside: \(type.rawValue) \(number), mode \(octal(mode & 0o7777)), owner \(shown(uid, probe.hostUID)):\(shown(gid, probe.hostGID))"
        guard wrong.isEmpty else { return link(4, .fail, "\(insidePath) inside: " + wrong.joined(separator: "; "), fix: fix) }
        return link(4, .pass, seen)
    }

    // 5. It opens from the container's cgroup, as its root.
    func open() -> DoctorLink {
        guard let running = facts.running else { return link(5, .skip, "the container is not running") }
        guard case .success(let probe)? = running.probe, let errno = probe.openErrno else {
            return link(5, .skip, "nothing to open (link 4)")
        }
        let how = "open(O_RDONLY|O_NONBLOCK) of \(insidePath) from the container's cgroup, as its root"
        guard errno != 0 else { return link(5, .pass, "\(how): opens") }
        let why = probe.openError ?? "errno \(errno)"
        let rule = device.map { "\($0.type.rawValue) \($0.number) \(ruleAccess)" } ?? "TYPE MAJOR:MINOR \(ruleAccess)"
        switch errno {
        case 1: // EPERM: the device cgroup (v1 list or v2 program) refuses it
            guard running.hierarchy == .v1 else {
                // LXC's own list on cgroup v2 cannot be read, and a rule written to it by hand may have switched its
                // default (a deny in a list that allows all denies every device): only a restart rebuilds it.
                return link(5, .fail, "\(how): \(why): the device rules in force (LXC's cgroup v2 program) deny it", fix: "restart it: \(restart)")
            }
            return link(5, .fail, "\(how): \(why): the device rules in force deny it",
                        fix: "lxc-cgroup \(lxcName) devices.allow '\(rule)', or restart it: \(restart)")
        case 13: // EACCES
            return link(5, .fail, "\(how): \(why): its owner and mode deny the container's root", fix: "restart it: \(restart)")
        case 6, 19: // ENXIO, ENODEV
            return link(5, .fail, "\(how): \(why): no device answers to that number on the host now (unplugged?)",
                        fix: "plug it in again, then \(syncAndRestart)")
        case 16: // EBUSY
            return link(5, .fail, "\(how): \(why): another opener holds it exclusively (link 8)")
        default:
            return link(5, .fail, "\(how): \(why)")
        }
    }

    // 6. The accounts inside that hold the group it is given to.
    func accounts() -> DoctorLink {
        guard parsed, let gid = report.gid else { return link(6, .skip, "no entry (link 1)") }
        switch facts.groups {
        case nil: return link(6, .skip, "not read")
        case .failure(let problem)?: return link(6, .fail, "cannot read the container's accounts: \(problem)")
        case .success(let groups)?:
            let everyone = (report.mode ?? 0) & 0o006 == 0o006
            guard let group = groups.groupName else {
                if everyone { return link(6, .pass, "no group has gid \(gid) inside, but mode \(octal(report.mode ?? 0)) lets every account use it") }
                return link(6, .fail, "no group inside has gid \(gid) (read \(groups.source))",
                            fix: "inside: groupadd -g \(gid) GROUP, then usermod -aG GROUP USER (the service's user)")
            }
            guard !groups.members.isEmpty || everyone else {
                return link(6, .fail, "no account inside is in group \(group) (\(gid)), which the node is given to (read \(groups.source))",
                            fix: "inside: usermod -aG \(group) USER (the service's user), then restart the service")
            }
            let owner = groups.ownerName.map { ", owner \($0) (\(report.uid ?? 0))" } ?? ""
            let members = groups.members.isEmpty ? "no account" : groups.members.joined(separator: ", ")
            return link(6, .pass, "group \(group) (\(gid)): \(members)\(owner)")
        }
    }

    // 7. A udev rule inside that names the device's subsystem or node.
    func udev() -> DoctorLink {
        guard parsed else { return link(7, .skip, "no entry (link 1)") }
        switch facts.udev {
        case nil: return link(7, .skip, "not read")
        case .failure(let problem)?: return link(7, .fail, "cannot read the container's udev rules: \(problem)")
        case .success(let udev)?:
            guard let hit = udev.hits.first else {
                let read = udev.directories.isEmpty ? "no udev rules directory inside" : "read " + udev.directories.joined(separator: ", ")
                return link(7, .pass, "no udev rule inside sets the owner, group or mode of it (\(read))")
            }
            let more = udev.hits.count > 1 ? " (and \(udev.hits.count - 1) more)" : ""
            return link(7, .fail, "\(hit.file):\(hit.line) names it and sets its owner, group or mode: a udevd inside applies it over the entry's: "
                + "\(hit.text)\(more)", fix: "inside: remove or change that rule (or keep udevd from managing \(insidePath))")
        }
    }

    // 8. Others holding the device.
    func others() -> DoctorLink {
        guard parsed, device != nil else { return link(8, .skip, "no device (link \(parsed ? 2 : 1))") }
        let others = facts.others
        var found: [String] = []
        var fixes: [String] = []
        for holder in others.entries {
            found.append("container \(holder.container)'s \(holder.key) names it")
            fixes.append("lxc-passthrough remove \(facts.lxcPath.map { "-P \($0) " } ?? "")\(holder.container) \(holder.key)")
        }
        for holder in others.grants where !others.entries.contains(where: { $0.container == holder.container }) {
            found.append("running container \(holder.container) was given it (\(holder.key))")
            fixes.append("lxc-passthrough detach \(facts.lxcPath.map { "-P \($0) " } ?? "")\(holder.container) \(holder.key == "-" ? report.path : holder.key)")
        }
        for process in others.hostProcesses {
            found.append("host process \(process) has it open")
            fixes.append("stop host pid \(process.hostPID)")
        }
        let unread = others.unread.isEmpty ? "" : " (not read: \(others.unread.joined(separator: "; ")))"
        guard found.isEmpty else {
            return link(8, .fail, found.joined(separator: "; ") + unread, fix: fixes.joined(separator: "; "))
        }
        return link(8, .pass, "no other container's entry or grant, no host process has it open\(unread)")
    }

    // 9. Whether the running container started before the entry was added or changed.
    func start() -> DoctorLink {
        guard let running = facts.running else { return link(9, .skip, "the container is not running: its next start gives it") }
        guard parsed, let key = DeviceKey(report.key) else { return link(9, .skip, "no entry (link 1)") }
        guard let record = running.record else {
            return link(9, .fail, "the host has no record of this run (it started before lxc-passthrough kept records, or with no device)",
                        fix: "restart it: \(restart)")
        }
        if record.withheld {
            return link(9, .fail, "\(key) was taken out of this run on purpose (detach --temporary)",
                        fix: "lxc-passthrough attach \(ourName) \(report.path)")
        }
        guard let grant = record.grant else {
            return link(9, .fail, "the running container was given nothing under \(key): it started before the entry was added "
                + "(or before its device was there)", fix: "restart it: \(restart)")
        }
        var changed: [String] = []
        if grant.containerPath != insidePath { changed.append("it was given at \(grant.containerPath), the entry says \(insidePath)") }
        if grant.readOnly != report.denyWrite { changed.append("it was given \(grant.readOnly ? "read-only" : "read-write"), the entry says \(access)") }
        guard changed.isEmpty else {
            return link(9, .fail, "the entry changed after the container started: " + changed.joined(separator: "; "), fix: "restart it: \(restart)")
        }
        return link(9, .pass, "given to this run: \(grant.type.rawValue) \(grant.number) \(grant.readOnly ? "r" : "rw") at \(grant.containerPath)")
    }

    func fileType(_ mode: UInt32?) -> String {
        switch (mode ?? 0) & 0o170000 {
        case 0o100000: return "a regular file"
        case 0o040000: return "a directory"
        case 0o120000: return "a symbolic link"
        case 0o010000: return "a FIFO"
        case 0o140000: return "a socket"
        default: return "not a device node"
        }
    }
}

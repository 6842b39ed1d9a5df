import Glibc
import PassthroughContainerEntry
import PassthroughModel
import PassthroughSystem

/// What `lxc-passthrough doctor` gathers, from host state and, read
/// confined as `--uid NAME` reads, from inside the container, before
/// `DoctorChain` judges it. Nothing is changed.
extension Administration {
    /// The entries `device` names (a key, a host path, a container path,
    /// or a node a USB entry matches), or every entry when it is nil; nil
    /// when it names none.
    public static func doctorEntries(_ reports: [DeviceReport], naming device: String?) -> [DeviceReport]? {
        let entries = reports.filter { $0.status != .runningOnly && $0.status != .leftDenied }
        guard let device else { return entries }
        let named = entries.filter { report in
            report.key == device || report.path == device || report.mountPath == device || report.found.contains { $0.hostPath == device }
        }
        return named.isEmpty ? nil : named
    }

    /// The facts of each of `entries` (from `reports(document)`).
    public func doctorFacts(_ entries: [DeviceReport], live: LiveSystem) throws(AdminError) -> [DoctorFacts] {
        let name = container.name
        var running: RunningContainer?
        var record: GrantRecord?
        switch try live.state(of: container) {
        case .running(let found):
            running = found
            record = try recordOfThisRun(live, found)
        case .notRunning, .unverified:
            break
        }
        let accounts = ContainerAccounts(self, live: live)
        let groupText = Result { () throws(AdminError) in try accounts.readText("/etc/group", describedAs: "/etc/group") }
        let passwdText = Result { () throws(AdminError) in try accounts.readText("/etc/passwd", describedAs: "/etc/passwd") }
        let udevFiles = Result { () throws(AdminError) in try udevRuleFiles(accounts) }
        let devices = Set(entries.compactMap { report in report.type.map { DoctorDevice(type: $0, number: report.number!) } })
        let holders = DoctorHolders.hostProcesses(holding: devices)
        let others = otherHolders(of: devices, live: live)
        var cgroup: Result<FileDescriptor, DoctorProblem>?
        var kernelList: DoctorFacts.KernelList?
        // Cgroup v2: what lxc-passthrough's own program denies of the entries' devices, when one is attached.
        var deniedByUs: [DoctorDevice: Bool] = [:]
        let hierarchy = record?.rules.hierarchy ?? self.hierarchy
        let defaultPath = ManagedContainer.defaultLXCPath()
        if let running {
            cgroup = Result { () throws(DoctorProblem) in try DoctorHolders.cgroupDirectory(of: running, hierarchy: hierarchy) }
            if hierarchy == .v1 {
                switch cgroup! {
                case .success(let directory):
                    do throws(SystemError) {
                        let list = try directory.open("devices.list", flags: O_RDONLY | O_CLOEXEC).readAll(limit: 1 << 20)
                        kernelList = .lines(String(decoding: list, as: UTF8.self).split(separator: "\n").map(String.init))
                    } catch {
                        kernelList = .unreadable("\(error)")
                    }
                case .failure(let problem):
                    kernelList = .unreadable(problem.description)
                }
            } else {
                switch cgroup! {
                case .success(let directory):
                    if let found = try? DeviceDenyMap.find(in: directory) {
                        for device in devices {
                            if let denied = try? found.denies(device.type, device.number) { deniedByUs[device] = denied }
                        }
                    }
                case .failure:
                    break
                }
            }
        }
        return entries.map { report in
            let containerPath = report.found.first?.hostPath ?? report.mountPath ?? (report.type == nil ? nil : report.path)
            var facts = DoctorFacts(container: name, configPath: container.configPath, report: report, containerPath: containerPath)
            facts.lxcPath = defaultPath == container.lxcPath ? nil : container.lxcPath
            if let running, report.status != .invalid {
                var seen = DoctorFacts.Running(hierarchy: hierarchy, idMap: running.idMap, kernelList: kernelList)
                if let type = report.type, let number = report.number {
                    seen.deniedByOurProgram = deniedByUs[DoctorDevice(type: type, number: number)]
                }
                if let record, let key = DeviceKey(report.key) {
                    seen.record = DoctorFacts.Recorded(
                        hierarchy: record.rules.hierarchy, grant: record.grants.last { $0.key == key }, withheld: record.withholds(key, path: report.path),
                        rules: record.rules)
                }
                if let containerPath, report.type != nil {
                    switch cgroup! {
                    case .success(let directory): seen.probe = DoctorHolders.probe(containerPath, in: running, cgroup: directory)
                    case .failure(let problem): seen.probe = .failure(problem)
                    }
                }
                facts.running = seen
            }
            if let gid = report.gid, let uid = report.uid {
                switch (groupText, passwdText) {
                case (.success(let group), .success(let passwd)):
                    facts.groups = .success(DoctorFacts.GroupFacts(group: group.0, passwd: passwd.0, gid: gid, uid: uid, source: group.1))
                case (.failure(let error), _), (_, .failure(let error)):
                    facts.groups = .failure(DoctorProblem("\(error)"))
                }
            }
            if report.status != .invalid {
                switch udevFiles {
                case .success(let files):
                    let node = containerPath.map { $0.hasPrefix("/dev/") ? String($0.dropFirst(5)) : $0 } ?? ""
                    let subsystem = report.type.flatMap { type in try? SysfsRoot().device(type, report.number!)?.node.subsystem }
                    let hits = files.files.flatMap { file, text in UdevRules.hits(in: text, file: file, subsystem: subsystem, nodeName: node) }
                    facts.udev = .success(DoctorFacts.UdevFacts(hits: hits, directories: files.directories))
                case .failure(let error):
                    facts.udev = .failure(DoctorProblem("\(error)"))
                }
            }
            if let type = report.type, let number = report.number {
                let device = DoctorDevice(type: type, number: number)
                facts.others.hostProcesses = holders[device] ?? []
                facts.others.entries = others.entries[device] ?? []
                facts.others.grants = others.grants[device] ?? []
                facts.others.unread = others.unread
            }
            return facts
        }
    }

    /// The rules files of the udev directories inside, read confined, as the container's root.
    func udevRuleFiles(_ accounts: ContainerAccounts) throws(AdminError) -> (files: [(String, String)], directories: [String]) {
        let ((files, directories), _) = try accounts.confined("udev rules") { root, name throws(SystemError) -> ([(String, String)], [String]) in
            var files: [(String, String)] = []
            var directories: [String] = []
            for directory in UdevRules.directories {
                guard let entries = try ConfinedFile.directoryEntries(directory, under: root, describedAs: name) else { continue }
                directories.append(directory)
                for entry in entries.sorted() where entry.hasSuffix(".rules") {
                    let path = directory + "/" + entry
                    // A file that is not a regular file of at most 1 MiB is not udev's either.
                    guard let bytes = try? ConfinedFile.read(path, under: root, describedAs: name, limit: ContainerAccounts.limit) else { continue }
                    files.append((path, String(decoding: bytes, as: UTF8.self)))
                }
            }
            return (files, directories)
        }
        return (files, directories)
    }

    /// Other containers' entries and grants of `devices`.
    func otherHolders(of devices: Set<DoctorDevice>, live: LiveSystem) -> (
        entries: [DoctorDevice: [DoctorFacts.Others.Holder]], grants: [DoctorDevice: [DoctorFacts.Others.Holder]], unread: [String]
    ) {
        var entries: [DoctorDevice: [DoctorFacts.Others.Holder]] = [:], grants = entries
        var unread: [String] = []
        guard !devices.isEmpty else { return (entries, grants, unread) }
        let names: [String]
        do throws(AdminError) {
            names = try ManagedContainer.allNames(in: container.lxcPath)
        } catch {
            return (entries, grants, ["\(error)"])
        }
        for other in names where other != container.name {
            let administration = Administration(container: ManagedContainer(name: other, lxcPath: container.lxcPath), hierarchy: hierarchy,
                                                lookUp: lookUp, readFile: readFile, resolver: resolver)
            do throws(AdminError) {
                for report in try administration.reports(try ConfigStore.read(administration.container)) {
                    for node in report.found.isEmpty ? [(report.type, report.number)] : report.found.map({ ($0.type, $0.number) }) {
                        guard let type = node.0, let number = node.1 else { continue }
                        let device = DoctorDevice(type: type, number: number)
                        if devices.contains(device) { entries[device, default: []].append(.init(container: other, key: report.key, readOnly: report.denyWrite)) }
                    }
                }
                if case .recorded(let given, _) = try administration.recordedGrants(live: live) {
                    for grant in given {
                        let device = DoctorDevice(type: grant.type, number: grant.number)
                        if devices.contains(device) {
                            grants[device, default: []].append(.init(container: other, key: grant.key?.description ?? "-", readOnly: grant.readOnly))
                        }
                    }
                }
            } catch {
                unread.append("container '\(other)': \(error)")
            }
        }
        return (entries, grants, unread)
    }
}

/// A device by type and number.
public struct DoctorDevice: Hashable, Sendable {
    public var type: DeviceType
    public var number: DeviceNumber
}

enum DoctorHolders {
    /// Processes of the host (this process's pid namespace) other than this
    /// one with a descriptor of one of `devices` open, looked at as
    /// `LinuxLiveSystem.holders` looks (what the kernel has cached; not on
    /// a FUSE or network mount of this mount table).
    static func hostProcesses(holding devices: Set<DoctorDevice>) -> [DoctorDevice: [DeviceHolder]] {
        guard !devices.isEmpty, let namespace = try? FileSystem.status("/proc/self/ns/pid"),
              let mountinfo = try? FileSystem.readFile("/proc/self/mountinfo", limit: 16 << 20),
              let proc = try? FileDescriptor.open("/proc", flags: O_RDONLY | O_DIRECTORY),
              let entries = try? proc.directoryEntries()
        else { return [:] }
        var remote = Set<UInt64>()
        for row in MountTable.rows(mountinfo) where !LinuxLiveSystem.answersLocally(row.fileSystemType) {
            if let id = row.fields[0].decimalUInt64 { remote.insert(id) }
        }
        let me = getpid()
        var found: [DoctorDevice: [DeviceHolder]] = [:]
        for entry in entries {
            guard let pid = Int32(entry), pid != me, let ns = try? FileSystem.status("/proc/\(pid)/ns/pid"),
                  ns.st_ino == namespace.st_ino, ns.st_dev == namespace.st_dev,
                  let fds = try? FileDescriptor.open("/proc/\(pid)/fd", flags: O_RDONLY | O_DIRECTORY),
                  let names = try? fds.directoryEntries()
            else { continue }
            var held = Set<DoctorDevice>()
            for fd in names {
                guard let mount = LinuxLiveSystem.mountID(pid, fd), !remote.contains(mount),
                      let node = LinuxLiveSystem.cachedNode("/proc/\(pid)/fd/\(fd)")
                else { continue }
                let device = DoctorDevice(type: node.0, number: node.1)
                if devices.contains(device) { held.insert(device) }
            }
            for device in held {
                found[device, default: []].append(DeviceHolder(hostPID: pid, containerPID: nil, command: ProcessStatus.command(pid) ?? "?"))
            }
        }
        return found
    }

    /// The running container's cgroup whose device rules apply to it: the
    /// one its start recorded (the devices cgroup on cgroup v1, the cgroup v2
    /// directory LXC's device program and lxc-passthrough's are attached
    /// to), or, from an older start, its init's now, below this mount
    /// table's mount of that hierarchy.
    static func cgroupDirectory(of running: RunningContainer, hierarchy: DeviceRule.Hierarchy) throws(DoctorProblem) -> FileDescriptor {
        let failed = { (error: SystemError) in DoctorProblem("cannot open container '\(running.name)''s cgroup: \(error)") }
        let (mountinfo, procCgroup) = try translatingErrors({ () throws(SystemError) in
            let mountinfo = try FileSystem.readFile("/proc/self/mountinfo", limit: 16 << 20)
            let procCgroup = try FileSystem.readFile("/proc/\(running.pid)/cgroup", limit: 1 << 16)
            guard try running.pidfd.processID() == running.pid else { throw SystemError(call: "pidfd", path: "pid \(running.pid)", errno: ESRCH) }
            return (mountinfo, procCgroup)
        }, failed)
        let name = hierarchy == .v1 ? "cgroup v1 devices" : "cgroup2"
        guard let mountPoint = hierarchy == .v1 ? DevicesCgroup.mountPoint(mountinfo: mountinfo) : DevicesCgroup.unifiedMountPoint(mountinfo: mountinfo)
        else { throw DoctorProblem("no \(name) hierarchy is mounted here") }
        if let recorded = running.devices, recorded.hierarchy == hierarchy {
            return try translatingErrors({ () throws(SystemError) in try CgroupDeviceFiles.open(recorded, under: mountPoint) }, failed)
        }
        guard let path = hierarchy == .v1 ? DevicesCgroup.path(procCgroup: procCgroup) : DevicesCgroup.unifiedPath(procCgroup: procCgroup) else {
            throw DoctorProblem("/proc/\(running.pid)/cgroup names no \(name) cgroup")
        }
        guard !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
            throw DoctorProblem("/proc/\(running.pid)/cgroup names '\(OctalEscape.escapeForTerminal(path))'")
        }
        return try translatingErrors({ () throws(SystemError) in
            try FileDescriptor.open(mountPoint + path, flags: O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        }, failed)
    }

    /// Links 4 and 5: the node at `path` inside, and whether it opens.
    static func probe(_ path: String, in running: RunningContainer, cgroup: borrowing FileDescriptor) -> Result<DoctorFacts.Probe, DoctorProblem> {
        guard let root = running.idMap.mappedRoot else {
            return .failure(DoctorProblem("container '\(running.name)''s root is not mapped to a host user: nothing is done in it as an unmapped root"))
        }
        let name = "/proc/\(running.pid)/root"
        do throws(SystemError) {
            let rootDirectory = try FileDescriptor.open(name, flags: O_PATH | O_DIRECTORY | O_CLOEXEC)
            guard try running.pidfd.processID() == running.pid else { throw SystemError(call: "open", path: name, errno: ESRCH) }
            let outcome = try DeviceProbe.probe(
                path, under: rootDirectory, describedAs: name, cgroup: cgroup, rootIDs: root, initPidfd: running.pidfd,
                joinUserNamespace: !running.idMap.isPrivileged)
            var probe = DoctorFacts.Probe()
            if let node = outcome.node {
                probe.mode = node.mode
                probe.type = node.type
                probe.number = node.type == nil ? nil : node.number
                probe.hostUID = node.uid
                probe.hostGID = node.gid
            }
            if let failure = outcome.lookup {
                probe.lookupFailure = "\(failure)"
                probe.absent = failure.errno == ENOENT
            }
            if let errno = outcome.openErrno {
                probe.openErrno = errno
                if errno != 0 { probe.openError = SystemError.text(for: errno) }
            }
            return .success(probe)
        } catch {
            return .failure(DoctorProblem("\(error)"))
        }
    }
}

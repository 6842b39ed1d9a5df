import Glibc
import PassthroughModel
import PassthroughContainerEntry
import PassthroughLXC
import PassthroughSystem

/// `attach` and `detach` on the real system: liblxc for the container's
/// state, init and cgroup rules, the new mount API and `setns` for its `/dev`.
public struct LinuxLiveSystem: LiveSystem {
    /// liblxc's handles, one per container, made once (`lxc_container_new`
    /// reads the config and its includes) and kept for as long as this is:
    /// what they are asked goes to the container's monitor each time.
    private let handles = Handles()
    /// Where liblxc's commands and the work in a container's mount namespace
    /// (placing and taking out nodes) are done when they have a deadline (the
    /// watcher's): a child process, given up and killed after it (`Worker`).
    private let worker: Worker?

    /// - Parameter commandDeadline: when given, liblxc's commands are sent,
    ///   and nodes put into and taken out of containers, from a worker
    ///   process, and given up after this many milliseconds: a monitor may
    ///   not answer, and a FUSE mount the container made on the way may
    ///   never answer. Otherwise they are done in this process and waited for.
    /// Whether LXC's own list is brought level with a deny through the deny
    /// map later (`settle`) rather than at once (the watcher's choice: its
    /// node for the new device waits for no monitor).
    private let defersMonitorDenies: Bool

    public init(commandDeadline: Int32? = nil, defersMonitorDenies: Bool = false) {
        worker = commandDeadline.map { Worker("the watcher's worker", deadline: $0, handler: LinuxLiveSystem.serve) }
        self.defersMonitorDenies = defersMonitorDenies
    }

    /// The worker's requests: a liblxc command, or a node put into or taken out of a container.
    static func serve(_ request: [UInt8], _ descriptors: [Int32]) -> [UInt8] {
        let fields = MessageFields.decodeText(request) ?? []
        if fields.first == CgroupItemCommand.verb {
            for descriptor in descriptors { close(descriptor) }
            return CgroupItemCommand.perform(fields)
        }
        return ContainerNodes.perform(fields, descriptors)
    }

    /// What waits on a worker's request: a liblxc command, or a container's mount namespace.
    private enum Waiting { case monitor, mountNamespace }

    /// `request` done by the worker, with its deadline.
    private func call(
        _ worker: Worker, _ request: [UInt8], passing descriptors: [Int32], _ running: RunningContainer, waiting: Waiting = .mountNamespace
    ) throws(AdminError) -> [UInt8] {
        do throws(Worker.Failure) {
            return try worker.call(request, passing: descriptors)
        } catch {
            switch error {
            case .timedOut(let milliseconds) where waiting == .monitor:
                throw AdminError("container '\(running.name)''s monitor did not answer within \(milliseconds) ms (the command was abandoned)")
            case .timedOut(let milliseconds):
                throw AdminError("cannot act in container '\(running.name)': no answer within \(milliseconds) ms "
                    + "(a file system on the way does not answer?): given up")
            case .system(let error):
                throw AdminError("cannot act in container '\(running.name)': the watcher's worker failed: \(error)")
            }
        }
    }

    final class Handles {
        final class Handle {
            let lxc: LXCContainer
            init(_ lxc: consuming LXCContainer) { self.lxc = lxc }
        }
        private var handles: [String: Handle] = [:]
        /// The monitor (pid and start) each container's handle was last found to send its commands to.
        private var verifiedMonitors: [String: RunRecord.Process] = [:]

        /// The tmpfs nodes are made in, made once: a process that gives many
        /// (the watcher) does not make a file system for each.
        final class NodeFileSystem {
            let root: FileDescriptor
            let device: DeviceNumber
            init(root: consuming FileDescriptor, device: DeviceNumber) {
                self.root = root
                self.device = device
            }
        }
        private var made: NodeFileSystem?

        func nodeFileSystem() throws(SystemError) -> NodeFileSystem {
            if let made { return made }
            let root = try MountAPI.detachedTmpfs(
                source: MountTable.source, options: [("size", "64k"), ("nr_inodes", "65536"), ("mode", "0700")])
            let device = DeviceNumber(try root.status().st_dev)
            let fileSystem = NodeFileSystem(root: root, device: device)
            made = fileSystem
            return fileSystem
        }

        /// The devices hierarchy's mount point (cgroup v1), found once.
        lazy var devicesMountPoint: String? = (try? FileSystem.readFile("/proc/self/mountinfo", limit: 4 << 20)).flatMap {
            DevicesCgroup.mountPoint(mountinfo: $0)
        }

        /// The cgroup v2 hierarchy's mount point, found once.
        lazy var unifiedMountPoint: String? = (try? FileSystem.readFile("/proc/self/mountinfo", limit: 4 << 20)).flatMap {
            DevicesCgroup.unifiedMountPoint(mountinfo: $0)
        }

        /// Each container's deny map (cgroup v2), for the cgroup its start recorded.
        final class DenyMap {
            let cgroup: RunRecord.CgroupDirectory
            let map: DeviceDenyMap
            /// Denies through the map that LXC's own list does not have yet (`settle`).
            var pending: [DeviceRule] = []
            /// What `settle` has to say: a deny LXC's list did not take, a deny the full map could not hold.
            var notices: [String] = []
            init(cgroup: RunRecord.CgroupDirectory, map: consuming DeviceDenyMap) {
                self.cgroup = cgroup
                self.map = map
            }
        }
        var denyMaps: [String: DenyMap] = [:]

        /// The deny map of the running container's recorded cgroup (v2),
        /// found, or, when `attaching`, attached when there is none.
        func denyMap(
            _ running: RunningContainer, _ recorded: RunRecord.CgroupDirectory, under mountPoint: String, attaching: Bool
        ) throws(SystemError) -> DenyMap? {
            if let known = denyMaps[running.container.directory], known.cgroup == recorded { return known }
            let directory = try CgroupDeviceFiles.open(recorded, under: mountPoint, readable: true)
            let map: DeviceDenyMap
            if attaching {
                map = try DeviceDenyMap.findOrAttach(to: directory)
            } else {
                guard let found = try DeviceDenyMap.find(in: directory) else { return nil }
                map = found
            }
            let found = DenyMap(cgroup: recorded, map: map)
            denyMaps[running.container.directory] = found
            return found
        }

        func forget(_ container: ManagedContainer) {
            handles[container.directory] = nil
            verifiedMonitors[container.directory] = nil
            denyMaps[container.directory] = nil
        }

        /// Checks, once per monitor, that the container's recorded monitor
        /// holds the command socket liblxc will send to.
        func verifyMonitor(_ running: RunningContainer) throws(AdminError) {
            if verifiedMonitors[running.container.directory] != running.monitor {
                guard try ContainerProcesses.monitorHoldsCommandSocket(running) else {
                    throw AdminError("container '\(running.name)''s monitor (pid \(running.monitor.pid)) does not hold its command socket: "
                        + "no liblxc command is sent to it")
                }
                verifiedMonitors[running.container.directory] = running.monitor
            }
        }

        func handle(_ container: ManagedContainer) throws(AdminError) -> Handle {
            if let handle = handles[container.directory] { return handle }
            do {
                let handle = Handle(try LXCContainer(name: container.name, lxcPath: container.lxcPath))
                handles[container.directory] = handle
                return handle
            } catch {
                throw AdminError("cannot ask LXC about container '\(container.name)': \(error)")
            }
        }
    }

    /// Whether the container runs, and its init and monitor, from the host's
    /// own record of its start checked against `/proc` (`ContainerProcesses`):
    /// LXC's command socket is not asked.
    public func state(of container: ManagedContainer) throws(AdminError) -> ContainerState {
        try ContainerProcesses.state(of: container)
    }

    public func forget(_ container: ManagedContainer) { handles.forget(container) }

    public func record(of container: ManagedContainer) throws(AdminError) -> GrantRecord? {
        do {
            return try GrantRecordStore().read(for: try directoryStatus(container))
        } catch {
            throw AdminError("cannot read the host's record of container '\(container.name)': \(error)")
        }
    }

    public func save(_ record: GrantRecord, of container: ManagedContainer) throws(AdminError) {
        do {
            try GrantRecordStore().write(record, for: try directoryStatus(container))
        } catch {
            throw AdminError("cannot write the host's record of container '\(container.name)': \(error)")
        }
    }

    private func directoryStatus(_ container: ManagedContainer) throws(GrantRecordStore.Failure) -> stat {
        try translatingErrors({ () throws(SystemError) in try FileSystem.status(container.directory) }, GrantRecordStore.Failure.system)
    }

    /// Each rule through liblxc (`set_cgroup_item`, as `lxc-cgroup` does):
    /// LXC writes the cgroup v1 file, or on cgroup v2 has its monitor update
    /// the eBPF program it owns. Sent only once the container's recorded
    /// monitor is found to hold the socket liblxc sends to. On a failure the
    /// rules already added are taken back.
    ///
    /// On cgroup v2, where the container's start recorded its cgroup, a deny
    /// of one device goes first into the deny map (`DeviceDenyMap`): the
    /// device is denied at once, whatever the monitor does; then LXC's list
    /// gets the same deny, at once or, for the watcher, at `settle`. The
    /// number stays in the map until a rule of ours allows it again, and
    /// leaves it once LXC's list allows it.
    public func apply(_ rules: [DeviceRule], to running: RunningContainer) throws(AdminError) {
        guard !rules.isEmpty else { return }
        if let recorded = running.devices {
            switch recorded.hierarchy {
            case .v1:
                if let mountPoint = handles.devicesMountPoint {
                    try applyDirectly(rules, recorded, under: mountPoint, running)
                    return
                }
            case .v2:
                // Allows alone attach no program: there is nothing to lift from a map that is not there.
                let denies = rules.contains { $0.verdict == .deny && $0.oneDevice != nil }
                if let mountPoint = handles.unifiedMountPoint,
                   let denyMap = try? handles.denyMap(running, recorded, under: mountPoint, attaching: denies) {
                    try applyWithDenyMap(rules, denyMap, running)
                    return
                }
            }
        }
        try applyThroughMonitor(rules, running)
    }

    /// Each rule through liblxc, in order; on a failure the rules already added are taken back.
    private func applyThroughMonitor(_ rules: [DeviceRule], _ running: RunningContainer) throws(AdminError) {
        guard !rules.isEmpty else { return }
        try handles.verifyMonitor(running)
        for (index, rule) in rules.enumerated() {
            do throws(AdminError) {
                try setCgroupItem("devices.\(rule.verdict.rawValue)", rule.value, in: running)
            } catch {
                for done in LiveDeviceRules.reverting(Array(rules[..<index])) {
                    try? setCgroupItem("devices.\(done.verdict.rawValue)", done.value, in: running)
                }
                throw AdminError("cannot set the device rule 'devices.\(rule.verdict.rawValue) = \(rule.value)' in the running container: \(error)")
            }
        }
    }

    /// The rules on cgroup v2 with the container's deny map: a deny of one
    /// device (read and write at least) into the map, then LXC's list (now,
    /// or at `settle`); any other rule through the monitor, an allow followed
    /// by the device's number out of the map. All or none: on a failure what
    /// was done is undone, as `applyThroughMonitor` does.
    private func applyWithDenyMap(_ rules: [DeviceRule], _ denyMap: Handles.DenyMap, _ running: RunningContainer) throws(AdminError) {
        var done: [DeviceRule] = []
        for rule in rules {
            do throws(AdminError) {
                if rule.verdict == .deny, let (type, number) = rule.oneDevice, rule.access.contains([.read, .write]),
                   denyThroughMap(type, number, denyMap) {
                    denyMap.pending.append(rule)
                } else if rule.verdict == .allow, let (type, number) = rule.oneDevice {
                    // A deny of the device still waiting for LXC's list goes first, in order: LXC's list
                    // may allow more of it than this rule does.
                    let earlier = denyMap.pending.filter { $0.oneDevice.map { $0.type == type && $0.number == number } ?? false }
                    if !earlier.isEmpty {
                        try applyThroughMonitor(earlier, running)
                        denyMap.pending.removeAll { earlier.contains($0) }
                    }
                    try applyThroughMonitor([rule], running)
                    try lift(type, number, from: denyMap, running)
                } else {
                    try applyThroughMonitor([rule], running)
                }
                done.append(rule)
            } catch {
                for undo in LiveDeviceRules.reverting(done) {
                    if undo.verdict == .allow, let (type, number) = undo.oneDevice, denyMap.pending.contains(where: { $0 == undo.opposite }) {
                        denyMap.pending.removeAll { $0 == undo.opposite }
                        try? denyMap.map.lift(type, number)
                    } else {
                        try? applyThroughMonitor([undo], running)
                    }
                }
                throw error
            }
        }
        if !defersMonitorDenies { sendPending(denyMap, running) }
    }

    /// Puts a device into the deny map; false when the map does not take it
    /// (full: E2BIG), and the deny goes through LXC's list alone, as before
    /// the map, which `settle` then says.
    private func denyThroughMap(_ type: DeviceType, _ number: DeviceNumber, _ denyMap: Handles.DenyMap) -> Bool {
        do throws(SystemError) {
            try denyMap.map.deny(type, number)
            return true
        } catch {
            denyMap.notices.append("\(type.rawValue) \(number): denied through LXC's own list only, which another rule of the same number "
                + "(lxc-device add) can still allow: lxc-passthrough's device program cannot hold it: \(error)"
                + (error.errno == E2BIG ? " (full: \(DeviceDenyMap.capacity) numbers; one leaves it when lxc-passthrough gives it again, all when the container stops)" : ""))
            return false
        }
    }

    /// Takes a device out of the deny map.
    private func lift(_ type: DeviceType, _ number: DeviceNumber, from denyMap: Handles.DenyMap, _ running: RunningContainer) throws(AdminError) {
        do throws(SystemError) {
            try denyMap.map.lift(type, number)
        } catch {
            throw AdminError("cannot allow \(type.rawValue) \(number) in container '\(running.name)' again: "
                + "lxc-passthrough's device program still denies it: \(error)")
        }
    }

    /// Brings LXC's own device list level with the denies made through the
    /// deny map (cgroup v2): each goes to the monitor, whose list is what it
    /// builds its own program from. The number stays in the map all the same: LXC's list may allow it through
    /// another rule (`lxc-device add` leaves `rwm` beside our `rw`), and its
    /// program does not take a deny out of such a rule as cgroup v1 does, so
    /// only the map keeps the device taken back. A rule of ours that allows
    /// it again takes it out. Returns a line for each deny LXC did not take.
    public func settle(_ running: RunningContainer) -> [String] {
        guard let denyMap = handles.denyMaps[running.container.directory] else { return [] }
        sendPending(denyMap, running)
        defer { denyMap.notices = [] }
        return denyMap.notices
    }

    /// The denies waiting for LXC's list, sent; a notice for each it did not take.
    private func sendPending(_ denyMap: Handles.DenyMap, _ running: RunningContainer) {
        let pending = denyMap.pending
        denyMap.pending = []
        for rule in pending {
            do throws(AdminError) {
                try applyThroughMonitor([rule], running)
            } catch {
                denyMap.notices.append("\(rule.value): stays denied by lxc-passthrough's device program; LXC's own list still allows it: \(error)")
            }
        }
    }

    /// The rules written into the container's cgroup v1 directory, the one
    /// its start recorded (`CgroupDeviceFiles`): no round trip to its monitor.
    /// On a failure the rules already added are taken back.
    private func applyDirectly(
        _ rules: [DeviceRule], _ recorded: RunRecord.CgroupDirectory, under mountPoint: String, _ running: RunningContainer
    ) throws(AdminError) {
        let directory: FileDescriptor
        do throws(SystemError) {
            directory = try CgroupDeviceFiles.open(recorded, under: mountPoint)
        } catch {
            throw AdminError("cannot open container '\(running.name)''s devices cgroup: \(error)")
        }
        for (index, rule) in rules.enumerated() {
            do throws(SystemError) {
                try CgroupDeviceFiles.write(rule.value, to: "devices.\(rule.verdict.rawValue)", in: directory)
            } catch {
                for done in LiveDeviceRules.reverting(Array(rules[..<index])) {
                    try? CgroupDeviceFiles.write(done.value, to: "devices.\(done.verdict.rawValue)", in: directory)
                }
                throw AdminError("cannot set the device rule 'devices.\(rule.verdict.rawValue) = \(rule.value)' in the running container: \(error)")
            }
        }
    }

    /// One `set_cgroup_item`: from the worker, with its deadline, when there is one.
    private func setCgroupItem(_ key: String, _ value: String, in running: RunningContainer) throws(AdminError) {
        if let worker {
            let request = CgroupItemCommand.request(container: running.container.name, lxcPath: running.container.lxcPath, key, value)
            let answer = try call(worker, request, passing: [], running, waiting: .monitor)
            do throws(LXCError) {
                try CgroupItemCommand.result(of: answer, container: running.container.name, key, value)
            } catch {
                throw AdminError("\(error)")
            }
            return
        }
        let handle = try handles.handle(running.container)
        do throws(LXCError) {
            try handle.lxc.setCgroupItem(key, value)
        } catch {
            throw AdminError("\(error)")
        }
    }

    public func place(_ node: DeviceNode, in running: RunningContainer) throws(AdminError) -> GrantRecord.NodeIdentity {
        var identity = GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: 0, minor: 0), inode: 0, name: "")
        let made = try makeNode(node, identity: &identity)
        do throws(AdminError) {
            if let worker {
                let request = ContainerNodes.placeRequest(at: node.containerPath, root: node.root, container: running.name)
                let answer = try running.pidfd.withUnsafeNumber { pidfd throws(AdminError) in
                    try made.tree.withUnsafeNumber { tree throws(AdminError) in try call(worker, request, passing: [pidfd, tree], running) }
                }
                _ = try ContainerNodes.answer(answer)
            } else {
                try ContainerNodes.place(made.tree, at: node.containerPath, root: node.root, pidfd: running.pidfd, container: running.name)
            }
        } catch {
            // Not in the container: its file goes from the tmpfs.
            try? handles.nodeFileSystem().root.remove(identity.name)
            throw error
        }
        return identity
    }

    /// A node made for a container: its detached bind mount.
    private struct MadeNode: ~Copyable {
        let tree: FileDescriptor
    }

    /// The node, made as host root in this process's tmpfs, mounted nowhere
    /// (`Handles.nodeFileSystem`), taken as a detached bind mount, and its
    /// identity for the host's record. Its file stays in the tmpfs until
    /// every mount of it is taken out of the container: the mount table
    /// names a mount by that file, and by `(deleted)` once it is gone.
    ///
    /// Its name ends in 64 random bits: the mount table names a mount by its
    /// file system's device number and the file's name, and a tmpfs's device
    /// number is handed to a new tmpfs once the old one's last mount is gone.
    /// Without it, a node taken back and the next one made (`read-write` of
    /// 0:52 both) would look like the same node in a container's mount table.
    private func makeNode(_ node: DeviceNode, identity: inout GrantRecord.NodeIdentity) throws(AdminError) -> MadeNode {
        let random = String(UInt64.random(in: .min ... .max), radix: 16)
        let nodeName = (node.readOnly ? "read-only-" : "read-write-") + String(repeating: "0", count: 16 - random.count) + random
        var madeAll = false
        let made = try translatingErrors({ () throws(SystemError) -> MadeNode? in
            let tmpfs = try handles.nodeFileSystem()
            guard let made = try tmpfs.root.makeNode(nodeName, type: node.type, number: node.number, permissions: 0o600) else {
                try? tmpfs.root.remove(nodeName)
                return nil
            }
            identity = GrantRecord.NodeIdentity(fileSystem: DeviceNumber(made.st_dev), inode: UInt64(made.st_ino), name: nodeName)
            madeAll = true
            do throws(SystemError) {
                try tmpfs.root.setOwner(nodeName, uid: node.hostUID, gid: node.hostGID)
                try tmpfs.root.setMode(nodeName, mode: mode_t(node.mode))
                return MadeNode(tree: try tmpfs.root.cloneTree(nodeName))
            } catch {
                try? tmpfs.root.remove(nodeName)
                throw error
            }
        }, { AdminError("cannot make the node for \(node.containerPath) (\(node.type.noun) \(node.number)): \($0)") })
        guard let made, madeAll else {
            throw AdminError("the node made for \(node.containerPath) is not \(node.type.rawValue) \(node.number)")
        }
        return made
    }

    /// In the container's mount namespace, as its root (its file system ids:
    /// what a container's root may not touch, this does not either), without
    /// following a symlink: every mount of the node at its path (and what the
    /// container stacked on it there), then at any other path the container's
    /// mount table lists it (a bind copy, a moved mount), each checked by its
    /// identity before it is unmounted; then the empty file it was mounted on.
    public func remove(_ grant: GrantRecord.Grant, from running: RunningContainer, onlyAtItsPath: Bool) throws(AdminError) -> Removal {
        var mountPoints: [String] = []
        if !onlyAtItsPath {
            let mountinfo = try translatingErrors({ () throws(SystemError) in
                try FileSystem.readFile("/proc/\(running.pid)/mountinfo", limit: 16 << 20)
            }, { AdminError("cannot read the container's mounts: \($0)") })
            mountPoints = MountTable.mountPoints(of: grant.node.fileSystem, root: "/" + grant.node.name, mountinfo: mountinfo)
        }
        guard let mappedRoot = running.idMap.mappedRoot else {
            throw AdminError("container '\(running.name)''s root is not mapped to a host user: nothing is done in it as an unmapped root")
        }
        let root = HostIDs(uid: mappedRoot.uid, gid: mappedRoot.gid)
        let removal: Removal
        if let worker {
            let request = ContainerNodes.removeRequest(grant, mountPoints: mountPoints, root: root, container: running.name)
            let answer = try running.pidfd.withUnsafeNumber { pidfd throws(AdminError) in try call(worker, request, passing: [pidfd], running) }
            guard let decoded = Removal(encoded: try ContainerNodes.answer(answer)) else {
                throw AdminError("cannot take the node out of container '\(running.name)': a garbled answer")
            }
            removal = decoded
        } else {
            removal = try ContainerNodes.remove(grant, mountPoints: mountPoints, root: root, pidfd: running.pidfd, container: running.name)
        }
        // Every mount of it gone: its file in this process's tmpfs goes too.
        if !onlyAtItsPath, removal.unreachable.isEmpty, let made = try? handles.nodeFileSystem(), made.device == grant.node.fileSystem {
            try? made.root.remove(grant.node.name)
        }
        return removal
    }

    /// With the worker, one request: the old node out and the new one in, in
    /// one entry into the container (a replug waits for one answer, not two).
    public func replace(_ grant: GrantRecord.Grant, with node: DeviceNode, in running: RunningContainer) throws(AdminError) -> Replacement {
        guard let worker else { return try replaceInTwoSteps(grant, with: node, in: running) }
        var identity = GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: 0, minor: 0), inode: 0, name: "")
        let request = ContainerNodes.replaceRequest(grant, at: node.containerPath, root: node.root, container: running.name)
        var made = false
        let removal: Removal, placeFailure: AdminError?
        do throws(AdminError) {
            let madeNode = try makeNode(node, identity: &identity)
            made = true
            let answer = try running.pidfd.withUnsafeNumber { pidfd throws(AdminError) in
                try madeNode.tree.withUnsafeNumber { tree throws(AdminError) in try call(worker, request, passing: [pidfd, tree], running) }
            }
            (removal, placeFailure) = try ContainerNodes.replacementAnswer(answer)
        } catch {
            // No new node: the old one goes all the same.
            guard made else { return Replacement(removal: try remove(grant, from: running, onlyAtItsPath: true), placed: .failure(error)) }
            try? handles.nodeFileSystem().root.remove(identity.name)
            throw error
        }
        if let placeFailure {
            try? handles.nodeFileSystem().root.remove(identity.name)
            return Replacement(removal: removal, placed: .failure(placeFailure))
        }
        return Replacement(removal: removal, placed: .success(identity))
    }

    /// Processes in the container's pid namespace with a descriptor of the
    /// device open. A descriptor is looked at through `/proc/PID/fd/N` with
    /// `statx(AT_STATX_DONT_SYNC)` (what the kernel has cached: FUSE and
    /// network file systems are not asked), and not at all when its mount is
    /// one of the container's init's on a FUSE or network file system, whose
    /// server the container may run and never answer.
    public func holders(of type: DeviceType, _ number: DeviceNumber, in running: RunningContainer) -> [DeviceHolder] {
        guard let namespace = try? FileSystem.status("/proc/\(running.pid)/ns/pid"),
              let mountinfo = try? FileSystem.readFile("/proc/\(running.pid)/mountinfo", limit: 16 << 20),
              let proc = try? FileDescriptor.open("/proc", flags: O_RDONLY | O_DIRECTORY),
              let entries = try? proc.directoryEntries()
        else { return [] }
        var remote = Set<UInt64>()
        for row in MountTable.rows(mountinfo) where !LinuxLiveSystem.answersLocally(row.fileSystemType) {
            if let id = row.fields[0].decimalUInt64 { remote.insert(id) }
        }
        var holders: [DeviceHolder] = []
        for entry in entries {
            guard let pid = Int32(entry), let ns = try? FileSystem.status("/proc/\(pid)/ns/pid"),
                  ns.st_ino == namespace.st_ino, ns.st_dev == namespace.st_dev,
                  let fds = try? FileDescriptor.open("/proc/\(pid)/fd", flags: O_RDONLY | O_DIRECTORY),
                  let names = try? fds.directoryEntries()
            else { continue }
            let holds = names.contains { fd in
                guard let mount = LinuxLiveSystem.mountID(pid, fd), !remote.contains(mount) else { return false }
                guard let node = LinuxLiveSystem.cachedNode("/proc/\(pid)/fd/\(fd)") else { return false }
                return node.0 == type && node.1 == number
            }
            guard holds else { continue }
            holders.append(DeviceHolder(hostPID: pid, containerPID: containerPID(of: pid), command: ProcessStatus.command(pid) ?? "?"))
        }
        return holders.sorted { $0.hostPID < $1.hostPID }
    }

    /// Whether a file system answers `stat` without asking a server: not FUSE, not a network one.
    static func answersLocally(_ type: ArraySlice<UInt8>) -> Bool {
        let remote = ["fuse", "fuseblk", "nfs", "nfs4", "cifs", "smb3", "9p", "ceph", "glusterfs", "virtiofs", "afs", "ncpfs", "lustre"]
        return !remote.contains { type.elementsEqual($0.utf8) } && !type.starts(with: "fuse.".utf8)
    }

    /// What the kernel has cached of the file at `path` (`statx` with
    /// `AT_STATX_DONT_SYNC`): its device, when it is a device node.
    static func cachedNode(_ path: String) -> (DeviceType, DeviceNumber)? {
        guard let (mode, number) = try? FileSystem.cachedType(path) else { return nil }
        switch mode & S_IFMT {
        case S_IFCHR: return (.character, number)
        case S_IFBLK: return (.block, number)
        default: return nil
        }
    }

    /// The mount id of a process's descriptor (`mnt_id:` of /proc/PID/fdinfo/N).
    static func mountID(_ pid: Int32, _ fd: String) -> UInt64? {
        guard let bytes = try? FileSystem.readFile("/proc/\(pid)/fdinfo/\(fd)", limit: 1 << 16) else { return nil }
        for line in bytes.split(separator: UInt8(ascii: "\n")) where line.starts(with: "mnt_id:".utf8) {
            return line.dropFirst(7).drop(while: { $0 == 0x20 || $0 == 0x09 }).decimalUInt64
        }
        return nil
    }

    /// The last `NSpid:` field of /proc/PID/status: the pid in the innermost namespace.
    private func containerPID(of pid: Int32) -> Int32? {
        guard let bytes = try? FileSystem.readFile("/proc/\(pid)/status", limit: 1 << 16) else { return nil }
        let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("NSpid:") }
        return line?.split(whereSeparator: { $0 == "\t" || $0 == " " }).last.flatMap { Int32($0) }
    }
}

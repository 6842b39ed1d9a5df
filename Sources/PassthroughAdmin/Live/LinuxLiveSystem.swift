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
    /// Where liblxc's commands go when they have a deadline (the watcher's): a helper process.
    private let helper: CommandHelper?
    /// How long work in a container's mount namespace may take, when it has
    /// a deadline (the watcher's): it is done in a child process (`WithinDeadline`).
    private let containerDeadline: Int32?

    /// - Parameter commandDeadline: when given, liblxc's commands are sent
    ///   from a helper process and given up after this many milliseconds
    ///   (`CommandHelper`); otherwise they are sent from this process and
    ///   waited for.
    ///   The same deadline holds for what is done in the container's mount
    ///   namespace (placing and taking out nodes), done in a child process
    ///   then: a FUSE mount the container made on the way may never answer.
    public init(commandDeadline: Int32? = nil) {
        helper = commandDeadline.map { CommandHelper(deadline: $0) }
        containerDeadline = commandDeadline
    }

    final class Handles {
        final class Handle {
            let lxc: LXCContainer
            init(_ lxc: consuming LXCContainer) { self.lxc = lxc }
        }
        private var handles: [String: Handle] = [:]
        /// The monitor (pid and start) each container's handle was last found to send its commands to.
        private var verifiedMonitors: [String: RunRecord.Process] = [:]

        func forget(_ container: ManagedContainer) {
            handles[container.directory] = nil
            verifiedMonitors[container.directory] = nil
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
    public func apply(_ rules: [DeviceRule], to running: RunningContainer) throws(AdminError) {
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

    /// One `set_cgroup_item`: from the helper, with its deadline, when there is one.
    private func setCgroupItem(_ key: String, _ value: String, in running: RunningContainer) throws(AdminError) {
        if let helper {
            do throws(CommandHelper.Failure) {
                try helper.setCgroupItem(container: running.container.name, lxcPath: running.container.lxcPath, key, value)
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
        let (directories, name) = DevicePath.split(node.containerPath)
        _ = try withinDeadline(running) { () throws(AdminError) -> [UInt8] in try inContainer(running) { () throws(AdminError) -> [UInt8] in
            try FileSystemIDs.with(uid: node.root.uid, gid: node.root.gid) { () throws(AdminError) -> [UInt8] in
                let walk = DirectoryWalk(root: try translatingErrors({ () throws(SystemError) in try devRoot() }, { error in
                    AdminError("cannot open the container's /dev: \(error)")
                }))
                var directory: Directory?
                let target = try translatingErrors({ () throws(AdminError) in
                    let opened = try translatingErrors({ () throws(SystemError) in try walk.open(directories) }, { error in
                        mountPointError(error, node.containerPath, running)
                    })
                    directory = opened
                    return try makeMountPoint(name, in: opened, for: node, running)
                }, { error in
                    walk.removeMade()
                    return error
                })
                do throws(SystemError) {
                    try MountAPI.move(made.tree, onto: target)
                } catch {
                    try? directory?.descriptor.remove(name)
                    walk.removeMade()
                    throw AdminError("cannot put \(node.containerPath) into container '\(running.name)': \(error)")
                }
                return []
            }
        } }
        // The tmpfs the node was made in goes only now (see MadeNode).
        withExtendedLifetime(made) {}
        return identity
    }

    /// A node made for a container: its detached bind mount, and the tmpfs
    /// it was made in, which `place` keeps open until the node is in the
    /// container. Dropping a detached mount waits for an expedited RCU grace
    /// period (about 60 to 120 us here): done last, it no longer comes before
    /// the node is usable.
    private struct MadeNode: ~Copyable {
        let tree: FileDescriptor
        let tmpfs: FileDescriptor
    }

    /// The node, made as host root in a tmpfs of its own mounted nowhere,
    /// taken as a detached bind mount, and its identity for the host's record.
    private func makeNode(_ node: DeviceNode, identity: inout GrantRecord.NodeIdentity) throws(AdminError) -> MadeNode {
        let nodeName = node.readOnly ? "read-only" : "read-write"
        var madeAll = false
        let made = try translatingErrors({ () throws(SystemError) -> MadeNode? in
            let tmpfs = try MountAPI.detachedTmpfs(source: MountTable.source, options: [("size", "16k"), ("nr_inodes", "8"), ("mode", "0700")])
            guard let made = try tmpfs.makeNode(nodeName, type: node.type, number: node.number, permissions: 0o600) else { return nil }
            identity = GrantRecord.NodeIdentity(fileSystem: DeviceNumber(made.st_dev), inode: UInt64(made.st_ino), name: nodeName)
            madeAll = true
            try tmpfs.setOwner(nodeName, uid: node.hostUID, gid: node.hostGID)
            try tmpfs.setMode(nodeName, mode: mode_t(node.mode))
            let tree = try tmpfs.cloneTree(nodeName)
            return MadeNode(tree: tree, tmpfs: tmpfs)
        }, { AdminError("cannot make the node for \(node.containerPath) (\(node.type.noun) \(node.number)): \($0)") })
        guard let made, madeAll else {
            throw AdminError("the node made for \(node.containerPath) is not \(node.type.rawValue) \(node.number)")
        }
        return made
    }

    /// An empty file to mount onto, made with `O_EXCL` (so nothing there is
    /// taken over) and opened without following a symlink.
    private func makeMountPoint(
        _ name: String, in directory: Directory, for node: DeviceNode, _ running: RunningContainer
    ) throws(AdminError) -> FileDescriptor {
        do {
            _ = try directory.descriptor.open(name, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
        } catch {
            if error.errno == EEXIST { throw AdminError("\(node.containerPath) already exists in container '\(running.name)'") }
            throw mountPointError(error, node.containerPath, running)
        }
        do {
            return try directory.descriptor.open(name, flags: O_PATH | O_NOFOLLOW)
        } catch {
            try? directory.descriptor.remove(name)
            throw mountPointError(error, node.containerPath, running)
        }
    }

    private func mountPointError(_ error: SystemError, _ path: String, _ running: RunningContainer) -> AdminError {
        AdminError("cannot make the mount point for \(path) in container '\(running.name)': \(error)\(error.walkHint)")
    }

    /// In the container's mount namespace, as its root (its file system ids:
    /// what a container's root may not touch, this does not either), without
    /// following a symlink: every mount of the node at its path (and what the
    /// container stacked on it there), then at any other path the container's
    /// mount table lists it (a bind copy, a moved mount), each checked by its
    /// identity before it is unmounted; then the empty file it was mounted on.
    public func remove(_ grant: GrantRecord.Grant, from running: RunningContainer) throws(AdminError) -> Removal {
        let mountinfo = "/proc/\(running.pid)/mountinfo"
        let table = try translatingErrors({ () throws(SystemError) in
            MountTable(mountinfo: try FileSystem.readFile(mountinfo, limit: 16 << 20))
        }, { AdminError("cannot read the container's mounts: \($0)") })
        guard let root = running.idMap.mappedRoot else {
            throw AdminError("container '\(running.name)''s root is not mapped to a host user: nothing is done in it as an unmapped root")
        }
        let mounts = table.mounts(of: grant.node.fileSystem, root: "/" + grant.node.name)
        let encoded = try withinDeadline(running) { () throws(AdminError) -> [UInt8] in try inContainer(running) { () throws(AdminError) -> [UInt8] in
            try FileSystemIDs.with(uid: root.uid, gid: root.gid) { () throws(AdminError) -> [UInt8] in
                var removal = Removal(removedAtPath: false)
                let listedAtPath = mounts.contains { $0.mountPoint == grant.containerPath }
                let atPath = try unmount(grant, at: grant.containerPath, listed: listedAtPath, removingMountPoint: true, running)
                removal.removedAtPath = atPath.removed > 0
                removal.stacked = atPath.stacked
                if atPath.left { removal.unreachable.append(grant.containerPath) }
                for path in Set(mounts.map(\.mountPoint)).sorted() where path != grant.containerPath {
                    let elsewhere = (try? unmount(grant, at: path, listed: true, removingMountPoint: false, running)) ?? Unmounted(left: true)
                    if elsewhere.removed > 0 && !elsewhere.left {
                        removal.copies.append(path)
                    } else {
                        removal.unreachable.append(path)
                    }
                }
                return removal.encoded()
            }
        } }
        guard let removal = Removal(encoded: encoded) else { throw AdminError("cannot take the node out of container '\(running.name)': a garbled answer") }
        return removal
    }

    /// `body` in a child process within the container deadline, when there
    /// is one (its error comes back as its message); else here.
    private func withinDeadline(_ running: RunningContainer, _ body: () throws(AdminError) -> [UInt8]) throws(AdminError) -> [UInt8] {
        guard let containerDeadline else { return try body() }
        let answer: [UInt8]
        do throws(WithinDeadline.Failure) {
            answer = try WithinDeadline.run(milliseconds: containerDeadline) {
                do throws(AdminError) {
                    return [0] + (try body())
                } catch {
                    return [1] + Array(error.description.utf8)
                }
            }
        } catch {
            throw AdminError("cannot act in container '\(running.name)': \(error)")
        }
        guard let first = answer.first else { throw AdminError("cannot act in container '\(running.name)': no answer") }
        guard first == 0 else { throw AdminError(String(decoding: answer.dropFirst(), as: UTF8.self)) }
        return Array(answer.dropFirst())
    }

    /// What one path gave up.
    private struct Unmounted {
        /// Mounts of the node taken out.
        var removed = 0
        /// Mounts of something else, stacked on it, taken out with it.
        var stacked = 0
        /// Whether a mount of the node is still the top of the path afterwards
        /// (the container stacked faster than detach took off, or more than 16 deep).
        var left = false
    }

    /// Unmounts the grant's node at `path` (in the container's namespace, as
    /// its root), and what the container stacked on it there while a mount
    /// of it is listed below, at most 16 mounts deep.
    private func unmount(
        _ grant: GrantRecord.Grant, at path: String, listed: Bool, removingMountPoint: Bool, _ running: RunningContainer
    ) throws(AdminError) -> Unmounted {
        var result = Unmounted()
        guard let (directories, name) = DevicePath.splitAbsolute(path) else { return result }
        let failed = { (error: SystemError) in
            AdminError("cannot take \(OctalEscape.escapeForTerminal(path)) out of container '\(running.name)': \(error)\(error.walkHint)")
        }
        let parent: FileDescriptor
        do throws(SystemError) {
            parent = try DirectoryWalk.openExisting(directories, from: try FileDescriptor.open("/", flags: O_PATH | O_DIRECTORY))
        } catch {
            // Not there any more: nothing of ours to take out at this path.
            if error.errno == ENOENT || error.errno == ENOTDIR || error.errno == ELOOP { return result }
            throw failed(error)
        }
        do throws(SystemError) {
            // umount2 takes a path: resolved from the directory just opened, never following a symlink.
            try parent.changeWorkingDirectory()
            // What is at `name` now, and whether it is the node of the grant (by the identity the host recorded).
            let topIsOurs = { () throws(SystemError) -> Bool? in
                guard let top = try parent.openIfPresent(name, flags: O_PATH | O_NOFOLLOW) else { return nil }
                let info = try top.status()
                return info.isNode(of: grant.type, grant.number) && GrantRecord.NodeIdentity(
                    fileSystem: DeviceNumber(info.st_dev), inode: UInt64(info.st_ino), name: grant.node.name) == grant.node
            }
            for _ in 0..<16 {
                guard let isOurs = try topIsOurs() else { break }
                // Something else on top is taken off only while a mount of the node is listed below it.
                guard isOurs || (listed && result.removed == 0) else { break }
                do throws(SystemError) {
                    try FileSystem.unmount(name, flags: Int32(MNT_DETACH | UMOUNT_NOFOLLOW))
                } catch {
                    if error.errno == EINVAL { break }  // not a mount point: the file under everything
                    throw SystemError(call: error.call, path: path, errno: error.errno)
                }
                // umount2 names a path: what it took off is counted by what was checked just before.
                if isOurs { result.removed += 1 } else { result.stacked += 1 }
            }
            result.left = try topIsOurs() == true
            // The empty file it was mounted on (autodev's or attach's), removed as the container's root.
            if result.removed > 0, removingMountPoint, let under = try? parent.status(name), under.st_mode & S_IFMT == S_IFREG, under.st_size == 0 {
                try? parent.remove(name)
            }
        } catch {
            throw failed(error)
        }
        return result
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

    /// Runs `body` in the container's mount namespace.
    private func inContainer<T>(_ running: RunningContainer, _ body: () throws(AdminError) -> T) throws(AdminError) -> T {
        do {
            return try MountNamespace.entering(running.pidfd, describedAs: "container '\(running.name)'", body)
        } catch {
            switch error {
            case .entering(let error):
                let hint = error.call == "setns" && error.errno == EINVAL ? " (setns needs a single-threaded process)" : ""
                throw AdminError("cannot enter container '\(running.name)': \(error)\(hint)")
            case .body(let error):
                throw error
            }
        }
    }

    /// The container's `/dev`, in its mount namespace, not following a symlink.
    private func devRoot() throws(SystemError) -> FileDescriptor {
        try FileDescriptor.open("/dev", flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
    }
}

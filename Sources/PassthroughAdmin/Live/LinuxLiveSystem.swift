import Glibc
import PassthroughModel
import PassthroughMountAPI
import PassthroughSystem

/// `attach` and `detach` on the real system: LXC's tools for the container's
/// state and cgroup rules, the new mount API and `setns` for its `/dev`.
public struct LinuxLiveSystem: LiveSystem {
    public init() {}

    /// `lxc-info -s -p -H`, then a pidfd for the init process, checked again
    /// against `lxc-info` so that a pid reused meanwhile is not taken for it.
    public func running(_ container: ManagedContainer) throws(AdminError) -> RunningContainer {
        let pid = try initPID(container)
        let pidfd = try translatingErrors({ () throws(SystemError) in try FileDescriptor.process(pid) }, { error in
            AdminError("cannot open container '\(container.name)''s init process: \(error)")
        })
        guard try initPID(container) == pid else {
            throw AdminError("container '\(container.name)' restarted while lxc-passthrough looked at it; try again")
        }
        return RunningContainer(name: container.name, pid: pid, pidfd: pidfd)
    }

    private func initPID(_ container: ManagedContainer) throws(AdminError) -> Int32 {
        let info = try run(["lxc-info", "-P", container.lxcPath, "-n", container.name, "-s", "-p", "-H"], doing: "ask LXC about the container")
        // "State:          RUNNING" and, when there is a process, "PID:            1234".
        var fields: [String: String] = [:]
        for line in info.output.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = String(line[line.index(after: colon)...].drop(while: { $0 == " " || $0 == "\t" }))
        }
        let state = fields["State"] ?? "unknown"
        guard state == "RUNNING", let pid = fields["PID"].flatMap({ Int32($0) }), pid > 0 else {
            throw AdminError("container '\(container.name)' is not running (LXC says \(state)); 'lxc-passthrough add' gives it a device at its next start")
        }
        return pid
    }

    /// `lxc-cgroup NAME devices.allow|deny VALUE` per rule: LXC writes the
    /// cgroup v1 file, or on cgroup v2 updates the eBPF program it owns.
    /// On a failure the rules already added are taken back.
    public func apply(_ rules: [DeviceRule], to container: ManagedContainer) throws(AdminError) {
        for (index, rule) in rules.enumerated() {
            do {
                try applyOne(rule, to: container)
            } catch {
                for done in LiveRules.revoking(Array(rules[..<index])) { try? applyOne(done, to: container) }
                throw error
            }
        }
    }

    private func applyOne(_ rule: DeviceRule, to container: ManagedContainer) throws(AdminError) {
        let key = "devices.\(rule.verdict.rawValue)"
        _ = try run(["lxc-cgroup", "-P", container.lxcPath, "-n", container.name, key, rule.value],
                    doing: "set the device rule '\(key) = \(rule.value)' in the running container")
    }

    private func run(_ arguments: [String], doing what: String) throws(AdminError) -> Subprocess {
        let result: Subprocess
        do {
            result = try Subprocess.run(arguments)
        } catch {
            throw AdminError("cannot \(what): \(error)")
        }
        guard result.succeeded else {
            let said = result.error.split(separator: "\n").last.map { ": \($0)" } ?? ""
            throw AdminError("cannot \(what): \(arguments[0]) exited with status \(result.status)\(said)")
        }
        return result
    }

    public func place(_ node: DeviceNode, in running: RunningContainer, as root: (uid: UInt32, gid: UInt32)) throws(AdminError) {
        let tree = try makeNode(node)
        let (directories, name) = DevicePath.split(node.containerPath)
        try inContainer(running) { () throws(AdminError) in
            let walk = DirectoryWalk(root: try translatingErrors({ () throws(SystemError) in try devRoot() }, { error in
                AdminError("cannot open the container's /dev: \(error)")
            }))
            var directory: Directory?
            let target = try translatingErrors({ () throws(AdminError) in
                try FileSystemIDs.with(uid: root.uid, gid: root.gid) { () throws(AdminError) in
                    let opened = try translatingErrors({ () throws(SystemError) in try walk.open(directories) }, { error in
                        mountPointError(error, node.containerPath, running)
                    })
                    directory = opened
                    return try makeMountPoint(name, in: opened, for: node, running)
                }
            }, { error in
                walk.removeMade()
                return error
            })
            do {
                try MountAPI.move(tree, onto: target)
            } catch {
                try? directory?.descriptor.remove(name)
                walk.removeMade()
                throw AdminError("cannot put \(node.containerPath) into container '\(running.name)': \(error)")
            }
        }
    }

    /// The node, made as host root in a tmpfs mounted nowhere and taken as a
    /// detached bind mount of its own. Its name in that tmpfs (`/read-only`
    /// or `/read-write`, the root of the mount placed) tells detach the rule it had.
    private func makeNode(_ node: DeviceNode) throws(AdminError) -> FileDescriptor {
        let nodeName = node.readOnly == true ? "read-only" : "read-write"
        let tree = try translatingErrors({ () throws(SystemError) -> FileDescriptor? in
            let tmpfs = try MountAPI.detachedTmpfs(source: MountTable.source, options: [("size", "16k"), ("nr_inodes", "8"), ("mode", "0700")])
            guard try tmpfs.makeNode(nodeName, type: node.type, number: node.number, permissions: 0o600) else { return nil }
            try tmpfs.setOwner(nodeName, uid: node.hostUID, gid: node.hostGID)
            try tmpfs.setMode(nodeName, mode: mode_t(node.mode))
            return try tmpfs.cloneTree(nodeName)
        }, { AdminError("cannot make the node for \(node.containerPath) (\(node.type.noun) \(node.number)): \($0)") })
        guard let tree else {
            throw AdminError("the node made for \(node.containerPath) is not \(node.type.rawValue) \(node.number)")
        }
        return tree
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

    public func placedNode(at containerPath: String, in running: RunningContainer) throws(AdminError) -> DeviceNode {
        let mountinfo = "/proc/\(running.pid)/mountinfo"
        let table = try translatingErrors({ () throws(SystemError) in
            MountTable(mountinfo: String(decoding: try FileSystem.readFile(mountinfo, limit: 16 << 20), as: UTF8.self))
        }, { AdminError("cannot read the container's mounts: \($0)") })
        guard let mount = table.topMount(at: containerPath) else {
            throw AdminError("\(containerPath) in container '\(running.name)' is not a device lxc-passthrough put there (nothing is mounted there)")
        }
        guard mount.source == MountTable.source, mount.fileSystemType == "tmpfs" else {
            throw AdminError("\(containerPath) in container '\(running.name)' is not a device lxc-passthrough put there (it is a \(mount.fileSystemType) mount of '\(mount.source)'); it is left alone")
        }
        let (directories, name) = DevicePath.split(containerPath)
        let info = try inContainer(running) { () throws(AdminError) in
            try translatingErrors({ () throws(SystemError) in
                try DirectoryWalk.openExisting(directories, from: try devRoot()).status(name)
            }, { AdminError("cannot look at \(containerPath) in container '\(running.name)': \($0)") })
        }
        guard let type = DeviceType(mode: info.st_mode) else {
            throw AdminError("\(containerPath) in container '\(running.name)' is \(fileTypeName(mode: info.st_mode)), not a device")
        }
        let readOnly: Bool? = mount.root == "/read-only" ? true : mount.root == "/read-write" ? false : nil
        return DeviceNode(
            containerPath: containerPath, type: type, number: info.deviceNumber,
            mode: UInt32(info.st_mode & 0o7777), hostUID: info.st_uid, hostGID: info.st_gid, readOnly: readOnly)
    }

    public func remove(at containerPath: String, in running: RunningContainer) throws(AdminError) {
        let (directories, name) = DevicePath.split(containerPath)
        try inContainer(running) { () throws(AdminError) in
            do throws(SystemError) {
                let directory = try DirectoryWalk.openExisting(directories, from: try devRoot())
                // umount2 takes a path: resolve it from the directory just opened, not following a symlink.
                try directory.changeWorkingDirectory()
                do throws(SystemError) {
                    try FileSystem.unmount(name, flags: Int32(MNT_DETACH | UMOUNT_NOFOLLOW))
                } catch {
                    throw SystemError(call: error.call, path: containerPath, errno: error.errno)
                }
                // The empty file it was mounted on (autodev's or attach's).
                if let under = try? directory.status(name), under.st_mode & S_IFMT == S_IFREG, under.st_size == 0 {
                    try? directory.remove(name)
                }
            } catch {
                throw AdminError("cannot take \(containerPath) out of container '\(running.name)': \(error)")
            }
        }
    }

    public func holders(of type: DeviceType, _ number: DeviceNumber, in running: RunningContainer) -> [DeviceHolder] {
        guard let namespace = try? FileSystem.status("/proc/\(running.pid)/ns/pid"),
              let proc = try? FileDescriptor.open("/proc", flags: O_RDONLY | O_DIRECTORY),
              let entries = try? proc.directoryEntries()
        else { return [] }
        var holders: [DeviceHolder] = []
        for entry in entries {
            guard let pid = Int32(entry), let ns = try? FileSystem.status("/proc/\(pid)/ns/pid"),
                  ns.st_ino == namespace.st_ino, ns.st_dev == namespace.st_dev,
                  let fds = try? FileDescriptor.open("/proc/\(pid)/fd", flags: O_RDONLY | O_DIRECTORY),
                  let names = try? fds.directoryEntries()
            else { continue }
            let holds = names.contains { fd in
                guard let info = try? FileSystem.status("/proc/\(pid)/fd/\(fd)") else { return false }
                return info.isNode(of: type, number)
            }
            guard holds else { continue }
            let command = (try? FileSystem.readFile("/proc/\(pid)/comm", limit: 4096)).map {
                String(decoding: $0, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
            } ?? "?"
            holders.append(DeviceHolder(hostPID: pid, containerPID: containerPID(of: pid), command: command))
        }
        return holders.sorted { $0.hostPID < $1.hostPID }
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

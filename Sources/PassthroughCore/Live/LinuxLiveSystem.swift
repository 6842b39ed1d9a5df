#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxShims

/// `attach` and `detach` on the real system: LXC's tools for the container's
/// state and cgroup rules, the new mount API and `setns` for its `/dev`.
public struct LinuxLiveSystem: LiveSystem {
    public init() {}

    /// `lxc-info -s -p -H`, then a pidfd for the init process, checked again
    /// against `lxc-info` so that a pid reused meanwhile is not taken for it.
    public func running(_ container: ManagedContainer) throws -> RunningContainer {
        let pid = try initPID(container)
        let fd = shim_pidfd_open(pid)
        guard fd >= 0 else {
            throw AdminError("cannot open container '\(container.name)''s init process: \(SystemError(call: "pidfd_open", path: "pid \(pid)", errno: errno))")
        }
        let pidfd = FileDescriptor(rawValue: fd, path: "pid \(pid)")
        guard try initPID(container) == pid else {
            throw AdminError("container '\(container.name)' restarted while lxc-passthrough looked at it; try again")
        }
        return RunningContainer(name: container.name, pid: pid, pidfd: pidfd)
    }

    private func initPID(_ container: ManagedContainer) throws -> Int32 {
        let info = try run(["lxc-info", "-P", container.lxcPath, "-n", container.name, "-s", "-p", "-H"], doing: "ask LXC about the container")
        // "State:          RUNNING" and, when there is a process, "PID:            1234".
        var fields: [String: String] = [:]
        for line in info.output.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingLeadingSpaces()
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
    public func apply(_ rules: [DeviceRule], to container: ManagedContainer) throws {
        for (index, rule) in rules.enumerated() {
            do {
                try applyOne(rule, to: container)
            } catch {
                for done in LiveRules.revoking(Array(rules[..<index])) { try? applyOne(done, to: container) }
                throw error
            }
        }
    }

    private func applyOne(_ rule: DeviceRule, to container: ManagedContainer) throws {
        let key = "devices.\(rule.verdict.rawValue)"
        _ = try run(["lxc-cgroup", "-P", container.lxcPath, "-n", container.name, key, rule.value],
                    doing: "set the device rule '\(key) = \(rule.value)' in the running container")
    }

    private func run(_ arguments: [String], doing what: String) throws -> Subprocess {
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

    public func place(_ node: LiveNode, in running: RunningContainer) throws {
        let (directories, name) = DevicePath.split(node.containerPath)
        let tree: FileDescriptor
        do {
            let tmpfs = try MountAPI.detachedTmpfs(source: MountTable.source, options: [("size", "16k"), ("nr_inodes", "8"), ("mode", "0700")])
            let nodeName = node.readOnly ? "read-only" : "read-write"
            try tmpfs.makeNode(nodeName, mode: mode_t(node.type.fileTypeBits | 0o600), device: node.number)
            // The node made is the device that was checked on the host.
            let made = try tmpfs.status(nodeName)
            guard made.isNode(of: node.type, node.number) else {
                throw AdminError("the node made for \(node.containerPath) is not \(node.type.rawValue) \(node.number)")
            }
            try tmpfs.setOwner(nodeName, uid: node.hostUID, gid: node.hostGID)
            try tmpfs.setMode(nodeName, mode: mode_t(node.mode))
            tree = try tmpfs.cloneTree(nodeName)
        } catch let error as SystemError {
            throw AdminError("cannot make the node for \(node.containerPath) (\(node.type.noun) \(node.number)): \(error)")
        }
        try inContainer(running) {
            let walk = try devDirectories()
            let target: FileDescriptor
            do {
                target = try MountAPI.withFileSystemIDs(uid: node.rootUID, gid: node.rootGID) {
                    let directory = try walk.open(directories)
                    do {
                        _ = try directory.open(name, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
                    } catch {
                        if (error as? SystemError)?.errno == EEXIST { throw AdminError("\(node.containerPath) already exists in container '\(running.name)'") }
                        throw error
                    }
                    do {
                        return try directory.open(name, flags: LinuxConstants.openPath | O_NOFOLLOW)
                    } catch {
                        try? directory.remove(name)
                        throw error
                    }
                }
            } catch {
                walk.removeMade()
                throw mountPointError(error, node.containerPath, running)
            }
            do {
                try MountAPI.move(tree, onto: target)
            } catch {
                if let directory = try? Autodev.Directories.openExisting(directories, from: walk.root) { try? directory.remove(name) }
                walk.removeMade()
                throw AdminError("cannot put \(node.containerPath) into container '\(running.name)': \(error)")
            }
        }
    }

    private func mountPointError(_ error: Error, _ path: String, _ running: RunningContainer) -> Error {
        guard let error = error as? SystemError else { return error }
        let hint = error.errno == ELOOP || error.errno == ENOTDIR ? " (a parent is a symlink or not a directory)" : ""
        return AdminError("cannot make the mount point for \(path) in container '\(running.name)': \(error)\(hint)")
    }

    public func placedNode(at containerPath: String, in running: RunningContainer) throws -> PlacedNode {
        let mountinfo = "/proc/\(running.pid)/mountinfo"
        let table: MountTable
        do {
            table = MountTable(mountinfo: String(decoding: try FileSystem.readFile(mountinfo, limit: 16 << 20), as: UTF8.self))
        } catch {
            throw AdminError("cannot read the container's mounts: \(error)")
        }
        guard let mount = table.topMount(at: containerPath) else {
            throw AdminError("\(containerPath) in container '\(running.name)' is not a device lxc-passthrough put there (nothing is mounted there)")
        }
        guard mount.source == MountTable.source, mount.fileSystemType == "tmpfs" else {
            throw AdminError("\(containerPath) in container '\(running.name)' is not a device lxc-passthrough put there (it is a \(mount.fileSystemType) mount of '\(mount.source)'); it is left alone")
        }
        let (directories, name) = DevicePath.split(containerPath)
        return try inContainer(running) {
            let info: stat
            do {
                info = try Autodev.Directories.openExisting(directories, from: try devRoot()).status(name)
            } catch {
                throw AdminError("cannot look at \(containerPath) in container '\(running.name)': \(error)")
            }
            guard let type = DeviceType(mode: info.st_mode) else {
                throw AdminError("\(containerPath) in container '\(running.name)' is \(fileTypeName(mode: info.st_mode)), not a device")
            }
            let readOnly: Bool? = mount.root == "/read-only" ? true : mount.root == "/read-write" ? false : nil
            return PlacedNode(
                containerPath: containerPath, type: type, number: info.deviceNumber,
                mode: UInt32(info.st_mode & 0o7777), hostUID: info.st_uid, hostGID: info.st_gid, readOnly: readOnly)
        }
    }

    public func remove(at containerPath: String, in running: RunningContainer) throws {
        let (directories, name) = DevicePath.split(containerPath)
        try inContainer(running) {
            do {
                let directory = try Autodev.Directories.openExisting(directories, from: try devRoot())
                // umount2 takes a path: resolve it from the directory just opened, not following a symlink.
                try directory.changeWorkingDirectory()
                if umount2(name, LinuxConstants.unmountDetach | LinuxConstants.unmountNoFollow) != 0 {
                    throw SystemError(call: "umount2", path: containerPath, errno: errno)
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

    private func inContainer<T>(_ running: RunningContainer, _ body: () throws -> T) throws -> T {
        guard let pidfd = running.pidfd else { preconditionFailure("a running container has a pidfd") }
        do {
            return try MountAPI.inMountNamespace(of: pidfd, describedAs: "container '\(running.name)'", body)
        } catch let error as SystemError {
            let hint = error.call == "setns" && error.errno == EINVAL ? " (setns needs a single-threaded process)" : ""
            throw AdminError("cannot enter container '\(running.name)': \(error)\(hint)")
        }
    }

    /// The container's `/dev`, in its mount namespace, not following a symlink.
    private func devRoot() throws(SystemError) -> FileDescriptor {
        try FileDescriptor.open("/dev", flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
    }

    private func devDirectories() throws -> Autodev.Directories {
        do {
            return Autodev.Directories(root: try devRoot())
        } catch {
            throw AdminError("cannot open the container's /dev: \(error)")
        }
    }
}

extension Substring {
    fileprivate func trimmingLeadingSpaces() -> String {
        String(drop(while: { $0 == " " || $0 == "\t" }))
    }
}

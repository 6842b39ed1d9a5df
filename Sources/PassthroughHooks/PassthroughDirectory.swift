import Glibc
import PassthroughModel
import PassthroughSystem

/// The tmpfs at `CONTAINER_DIR/lxc-passthrough` that holds the container's device
/// nodes (named by their keys) and the device list. pre-start makes it,
/// autodev binds from it, post-stop (or the end of the monitor's mount
/// namespace) removes it.
public struct PassthroughDirectory {
    public static let name = HookContext.passthroughDirectoryName
    /// Where autodev leaves its error message for post-stop. Owned by the
    /// container's root so an unprivileged autodev hook can write it.
    public static let autodevErrorFileName = "autodev-error"

    public let containerDirectory: String
    public var path: String { containerDirectory + "/" + PassthroughDirectory.name }

    public init(containerDirectory: String) {
        self.containerDirectory = containerDirectory
    }

    /// Unmounts every tmpfs stacked on the directory (a reboot, a killed start)
    /// and removes the directory when it is empty, or whatever else is at its
    /// path. Never follows a symlink.
    public func clear() throws(HookFailure) {
        for _ in 0..<64 {
            do throws(SystemError) {
                try FileSystem.unmount(path, flags: Int32(MNT_DETACH | UMOUNT_NOFOLLOW))
            } catch {
                if error.errno == EINVAL || error.errno == ENOENT { break }
                throw HookFailure("cannot remove the old device tmpfs: \(error)")
            }
        }
        do throws(SystemError) {
            try FileSystem.removeDirectory(path)
        } catch {
            switch error.errno {
            case ENOENT, ENOTEMPTY:
                break
            case ENOTDIR:
                // A symlink or file planted where the directory goes (the mapped root of
                // an unprivileged container owns CONTAINER_DIR): unlink never follows it.
                do throws(SystemError) {
                    try FileSystem.removeFile(path)
                } catch {
                    if error.errno != ENOENT { throw HookFailure("cannot remove \(path): \(error)") }
                }
            default:
                throw HookFailure("cannot remove the device directory: \(error)")
            }
        }
    }

    /// Performs `plan` on a cleared directory (see `clear()`): makes the tmpfs
    /// mounted nowhere, fills it through its descriptor, then moves it onto
    /// the directory, so no path is looked up twice and nothing is seen
    /// half-made. On any failure the directory is cleared again. Returns the
    /// identity of each node made, for the host's record.
    @discardableResult
    public func apply(_ plan: PrestartPlan) throws(HookFailure) -> [NodeName: GrantRecord.NodeIdentity] {
        guard !plan.actions.isEmpty else { return [:] }
        guard case .mountTmpfs(let options) = plan.actions.first else {
            preconditionFailure("a plan with devices starts with the tmpfs mount")
        }
        let parent = try makeMountPoint()
        do {
            let root = try makeTmpfs(options: options)
            FaultInjection.point("kill-after-mount")
            let fileSystem = try translatingErrors({ () throws(SystemError) in try root.status().st_dev }, { error in
                HookFailure("cannot mount a tmpfs for the device nodes: \(error)")
            })
            // Sized once, not rehashed as it grows (see PrestartPlan).
            var nodes = [NodeName: GrantRecord.NodeIdentity](minimumCapacity: plan.labels.count)
            let actions = plan.actions.dropFirst()
            for (index, action) in actions.enumerated() {
                if index == actions.count / 2 { FaultInjection.point("kill-after-half") }
                if case .writeList = action { FaultInjection.point("kill-before-list") }
                if let (name, inode) = try perform(action, in: root, labels: plan.labels) {
                    nodes[name] = GrantRecord.NodeIdentity(fileSystem: DeviceNumber(fileSystem), inode: inode, name: name.description)
                }
            }
            try mount(root, on: parent)
            return nodes
        } catch {
            try? clear()
            throw error
        }
    }

    /// Opens the container directory and makes the mount point in it.
    private func makeMountPoint() throws(HookFailure) -> FileDescriptor {
        try translatingErrors({ () throws(SystemError) in
            let parent = try FileDescriptor.open(containerDirectory, flags: O_RDONLY | O_DIRECTORY)
            try parent.makeDirectory(PassthroughDirectory.name, mode: 0o755)
            return parent
        }, { HookFailure("cannot make the device directory: \($0)") })
    }

    /// A tmpfs mounted nowhere yet (`fsopen`, `fsmount`): its root.
    private func makeTmpfs(options: String) throws(HookFailure) -> FileDescriptor {
        try translatingErrors({ () throws(SystemError) in
            try MountAPI.detachedTmpfs(source: MountTable.source, options: options)
        }, { HookFailure("cannot mount a tmpfs for the device nodes: \($0)") })
    }

    /// Moves the filled tmpfs onto the directory made for it (`move_mount`,
    /// descriptor to descriptor; the directory opened without following a symlink).
    private func mount(_ root: borrowing FileDescriptor, on parent: borrowing FileDescriptor) throws(HookFailure) {
        do throws(SystemError) {
            let mountPoint = try parent.open(PassthroughDirectory.name, flags: O_PATH | O_NOFOLLOW | O_DIRECTORY)
            try MountAPI.move(root, onto: mountPoint)
        } catch {
            throw HookFailure("cannot mount a tmpfs for the device nodes: \(error)")
        }
    }

    /// Performs one action in the tmpfs; for a node made, returns its name and inode.
    private func perform(
        _ action: PrestartPlan.Action, in root: borrowing FileDescriptor, labels: [NodeName: String]
    ) throws(HookFailure) -> (NodeName, UInt64)? {
        switch action {
        case .mountTmpfs:
            preconditionFailure("the tmpfs is mounted once, first")
        case .makeNode(let name, let type, let number):
            let made = try translatingErrors({ () throws(SystemError) in
                try root.makeNode(name.description, type: type, number: number, permissions: 0o600)
            }, { HookFailure(device: labels[name], "cannot make the device node (\(type.noun) \(number)): \($0)") })
            guard let made else {
                throw HookFailure(device: labels[name], "the node made at \(root.child(name.description)) is not \(type.rawValue) \(number)")
            }
            return (name, UInt64(made.st_ino))
        case .setOwner(let name, let uid, let gid):
            do {
                try root.setOwner(name.description, uid: uid, gid: gid)
            } catch {
                throw HookFailure(device: labels[name], "cannot give the node to host uid \(uid) gid \(gid): \(error)")
            }
            return nil
        case .setMode(let name, let mode):
            do {
                try root.setMode(name.description, mode: mode_t(mode))
            } catch {
                throw HookFailure(device: labels[name], "cannot set mode \(octal(mode)) on the node: \(error)")
            }
            return nil
        case .makeAutodevErrorFile(let uid, let gid):
            let name = PassthroughDirectory.autodevErrorFileName
            do {
                _ = try root.open(name, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
                try root.setOwner(name, uid: uid, gid: gid)
                try root.setMode(name, mode: 0o600)
            } catch {
                throw HookFailure("cannot make the file autodev reports errors in: \(error)")
            }
            return nil
        case .writeList(let text):
            do {
                let file = try root.open(DeviceList.fileName, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o644)
                try file.writeAll(Array(text.utf8))
                try root.setMode(DeviceList.fileName, mode: 0o644)
            } catch {
                throw HookFailure("cannot write the device list: \(error)")
            }
            return nil
        }
    }
}

extension PassthroughDirectory {
    /// Leaves autodev's failure for post-stop (best effort).
    static func recordAutodevError(_ message: String, in nodes: borrowing FileDescriptor) {
        guard let file = try? nodes.open(autodevErrorFileName, flags: O_WRONLY | O_TRUNC | O_NOFOLLOW) else { return }
        try? file.writeAll(Array(message.utf8))
    }

    /// What autodev left in the error file, or nil.
    public func autodevError() -> String? {
        guard let directory = try? FileDescriptor.open(path, flags: O_PATH | O_DIRECTORY | O_NOFOLLOW),
              let file = try? directory.open(PassthroughDirectory.autodevErrorFileName, flags: O_RDONLY | O_NOFOLLOW),
              let bytes = try? file.readAll(limit: 1 << 16), !bytes.isEmpty
        else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
            do {
                try FileSystem.unmount(path, flags: LinuxConstants.unmountDetach | LinuxConstants.unmountNoFollow)
            } catch {
                if error.errno == EINVAL || error.errno == ENOENT { break }
                throw HookFailure("cannot remove the old device tmpfs: \(error)")
            }
        }
        if rmdir(path) != 0 {
            let error = errno
            if error == ENOTDIR {
                // A symlink or file planted where the directory goes (the mapped root of
                // an unprivileged container owns CONTAINER_DIR): unlink never follows it.
                if unlink(path) != 0 && errno != ENOENT {
                    throw HookFailure("cannot remove \(path): \(SystemError(call: "unlink", path: path, errno: errno))")
                }
            } else if error != ENOENT && error != ENOTEMPTY {
                throw HookFailure("cannot remove the device directory: \(SystemError(call: "rmdir", path: path, errno: error))")
            }
        }
    }

    /// Performs `plan` on a cleared directory (see `clear()`). On any failure
    /// the tmpfs is unmounted again and the directory removed, so nothing
    /// stays half-made.
    public func apply(_ plan: PrestartPlan) throws(HookFailure) {
        guard !plan.actions.isEmpty else { return }
        let parent = try makeMountPoint()
        guard case .mountTmpfs(let options) = plan.actions.first else {
            preconditionFailure("a plan with devices starts with the tmpfs mount")
        }
        do {
            let root = try mountTmpfs(parent: parent, options: options)
            FaultInjection.point("kill-after-mount")
            let actions = plan.actions.dropFirst()
            for (index, action) in actions.enumerated() {
                if index == actions.count / 2 { FaultInjection.point("kill-after-half") }
                if case .writeList = action { FaultInjection.point("kill-before-list") }
                try perform(action, in: root, labels: plan.labels)
            }
        } catch {
            try? clear()
            throw error
        }
    }

    /// Opens the container directory and makes the mount point in it.
    private func makeMountPoint() throws(HookFailure) -> FileDescriptor {
        do {
            let parent = try FileDescriptor.open(containerDirectory, flags: O_RDONLY | O_DIRECTORY)
            try parent.makeDirectory(PassthroughDirectory.name, mode: 0o755)
            return parent
        } catch {
            throw HookFailure("cannot make the device directory: \(error)")
        }
    }

    private func mountTmpfs(parent: FileDescriptor, options: String) throws(HookFailure) -> FileDescriptor {
        do {
            let mountPoint = try parent.open(PassthroughDirectory.name, flags: LinuxConstants.openPath | O_NOFOLLOW | O_DIRECTORY)
            try FileSystem.mount(
                source: MountTable.source, target: mountPoint.procPath, type: "tmpfs",
                flags: UInt(MS_NOSUID | MS_NOEXEC), options: options, describedAs: path)
            let root = try parent.open(PassthroughDirectory.name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            // The directory opened after the mount must be the new file system's root,
            // not whatever a swapped-in entry points to.
            guard try root.status().st_dev != mountPoint.status().st_dev else {
                throw HookFailure("\(path) is not the tmpfs just mounted there")
            }
            return root
        } catch let error as SystemError {
            throw HookFailure("cannot mount a tmpfs for the device nodes: \(error)")
        } catch let error as HookFailure {
            throw error
        } catch {
            throw HookFailure("\(error)")
        }
    }

    private func perform(_ action: PrestartPlan.Action, in root: FileDescriptor, labels: [DeviceKey: String]) throws(HookFailure) {
        switch action {
        case .mountTmpfs:
            preconditionFailure("the tmpfs is mounted once, first")
        case .makeNode(let key, let type, let number):
            do {
                try root.makeNode(key.description, mode: mode_t(type.fileTypeBits | 0o600), device: number)
                let made = try root.status(key.description)
                guard made.isNode(of: type, number) else {
                    throw HookFailure(device: labels[key], "the node made at \(root.child(key.description)) is not \(type.rawValue) \(number)")
                }
            } catch let error as SystemError {
                throw HookFailure(device: labels[key], "cannot make the device node (\(type.noun) \(number)): \(error)")
            } catch let error as HookFailure {
                throw error
            } catch {
                throw HookFailure(device: labels[key], "\(error)")
            }
        case .setOwner(let key, let uid, let gid):
            do {
                try root.setOwner(key.description, uid: uid, gid: gid)
            } catch {
                throw HookFailure(device: labels[key], "cannot give the node to host uid \(uid) gid \(gid): \(error)")
            }
        case .setMode(let key, let mode):
            do {
                try root.setMode(key.description, mode: mode_t(mode))
            } catch {
                throw HookFailure(device: labels[key], "cannot set mode \(octal(mode)) on the node: \(error)")
            }
        case .makeAutodevErrorFile(let uid, let gid):
            let name = PassthroughDirectory.autodevErrorFileName
            do {
                _ = try root.open(name, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
                try root.setOwner(name, uid: uid, gid: gid)
                try root.setMode(name, mode: 0o600)
            } catch {
                throw HookFailure("cannot make the file autodev reports errors in: \(error)")
            }
        case .writeList(let text):
            do {
                let file = try root.open(DeviceList.fileName, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o644)
                try file.writeAll(Array(text.utf8))
                try root.setMode(DeviceList.fileName, mode: 0o644)
            } catch {
                throw HookFailure("cannot write the device list: \(error)")
            }
        }
    }
}

extension PassthroughDirectory {
    /// Leaves autodev's failure for post-stop (best effort).
    static func recordAutodevError(_ message: String, in nodes: FileDescriptor) {
        guard let file = try? nodes.open(autodevErrorFileName, flags: O_WRONLY | O_TRUNC | O_NOFOLLOW) else { return }
        try? file.writeAll(Array(message.utf8))
    }

    /// What autodev left in the error file, or nil.
    public func autodevError() -> String? {
        guard let directory = try? FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW),
              let file = try? directory.open(PassthroughDirectory.autodevErrorFileName, flags: O_RDONLY | O_NOFOLLOW),
              let bytes = try? file.readAll(limit: 1 << 16), !bytes.isEmpty
        else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `0660`: permission bits as four octal digits.
public func octal(_ mode: UInt32) -> String {
    let digits = String(mode, radix: 8)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}

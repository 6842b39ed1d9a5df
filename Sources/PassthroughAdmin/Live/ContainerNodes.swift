import Glibc
import PassthroughContainerEntry
import PassthroughModel
import PassthroughSystem

/// What is done inside a container's mount namespace: putting a node made
/// on the host at its path, and taking a node out. Each runs in the calling
/// process (`attach`, `detach`), or in the watcher's worker (`Worker`), which
/// gets the container's init's pidfd and the node's mount tree as
/// descriptors and the rest as a request (`request`, `perform`, `answer`).
enum ContainerNodes {
    static let placeVerb = "place"
    static let removeVerb = "remove"
    static let replaceVerb = "replace"

    // MARK: In the container

    /// In the container's mount namespace, as its root (its file system
    /// ids), without following a symlink: the directories of `path` (those
    /// missing made), an empty file at it made with `O_EXCL` (nothing there
    /// is taken over), and the detached mount `tree` moved onto it.
    static func place(
        _ tree: borrowing FileDescriptor, at path: String, root: HostIDs, pidfd: borrowing FileDescriptor, container name: String
    ) throws(AdminError) {
        try inContainer(pidfd, name) { () throws(AdminError) in
            try FileSystemIDs.with(uid: root.uid, gid: root.gid) { () throws(AdminError) in try placeHere(tree, at: path, name) }
        }
    }

    /// `place`, in the container's mount namespace already, with its root's file system ids.
    private static func placeHere(_ tree: borrowing FileDescriptor, at path: String, _ name: String) throws(AdminError) {
        let (directories, fileName) = DevicePath.split(path)
        let walk = DirectoryWalk(root: try translatingErrors({ () throws(SystemError) in try devRoot() }, { error in
            AdminError("cannot open the container's /dev: \(error)")
        }))
        var directory: Directory?
        let target = try translatingErrors({ () throws(AdminError) in
            let opened = try translatingErrors({ () throws(SystemError) in try walk.open(directories) }, { error in
                mountPointError(error, path, name)
            })
            directory = opened
            return try makeMountPoint(fileName, in: opened, path: path, name)
        }, { error in
            walk.removeMade()
            return error
        })
        do throws(SystemError) {
            try MountAPI.move(tree, onto: target)
        } catch {
            try? directory?.descriptor.remove(fileName)
            walk.removeMade()
            throw AdminError("cannot put \(path) into container '\(name)': \(error)")
        }
    }

    /// In the container's mount namespace, as its root, without following a
    /// symlink: every mount of the grant's node at its path (and what the
    /// container stacked on it there), then at each of `mountPoints` (where
    /// its mount table lists the node: a bind copy, a moved mount), each
    /// checked by its identity before it is unmounted; then the empty file it
    /// was mounted on.
    static func remove(
        _ grant: GrantRecord.Grant, mountPoints: [String], root: HostIDs, pidfd: borrowing FileDescriptor, container name: String
    ) throws(AdminError) -> Removal {
        try inContainer(pidfd, name) { () throws(AdminError) -> Removal in
            try FileSystemIDs.with(uid: root.uid, gid: root.gid) { () throws(AdminError) -> Removal in
                try removeHere(grant, mountPoints: mountPoints, name)
            }
        }
    }

    /// A device renumbered behind its path, in one entry into the container:
    /// the grant's node taken out at its path (`remove` with no other mount
    /// point), then, when nothing of it is left there, `tree` put at `path`
    /// (`place`). Throws what `remove` throws; what `place` throws is returned.
    static func replace(
        _ grant: GrantRecord.Grant, with tree: borrowing FileDescriptor, at path: String, root: HostIDs, pidfd: borrowing FileDescriptor,
        container name: String
    ) throws(AdminError) -> (Removal, AdminError?) {
        try inContainer(pidfd, name) { () throws(AdminError) -> (Removal, AdminError?) in
            try FileSystemIDs.with(uid: root.uid, gid: root.gid) { () throws(AdminError) -> (Removal, AdminError?) in
                let removal = try removeHere(grant, mountPoints: [], name)
                guard removal.unreachable.isEmpty else { return (removal, Replacement.pathTaken(path)) }
                do throws(AdminError) {
                    try placeHere(tree, at: path, name)
                } catch {
                    return (removal, error)
                }
                return (removal, nil)
            }
        }
    }

    /// `remove`, in the container's mount namespace already, with its root's file system ids.
    private static func removeHere(_ grant: GrantRecord.Grant, mountPoints: [String], _ name: String) throws(AdminError) -> Removal {
        var removal = Removal(removedAtPath: false)
        let atPath = try unmount(grant, at: grant.containerPath, listed: mountPoints.contains(grant.containerPath), removingMountPoint: true, name)
        removal.removedAtPath = atPath.removed > 0
        removal.stacked = atPath.stacked
        if atPath.left { removal.unreachable.append(grant.containerPath) }
        for path in Set(mountPoints).sorted() where path != grant.containerPath {
            let elsewhere = (try? unmount(grant, at: path, listed: true, removingMountPoint: false, name)) ?? Unmounted(left: true)
            if elsewhere.removed > 0 && !elsewhere.left {
                removal.copies.append(path)
            } else {
                removal.unreachable.append(path)
            }
        }
        return removal
    }

    // MARK: As a worker's request

    /// `place` as a request; the worker gets the init's pidfd and the tree, in that order.
    static func placeRequest(at path: String, root: HostIDs, container name: String) -> [UInt8] {
        MessageFields.encode([placeVerb, name, path, String(root.uid), String(root.gid)])
    }

    /// `remove` as a request; the worker gets the init's pidfd.
    static func removeRequest(_ grant: GrantRecord.Grant, mountPoints: [String], root: HostIDs, container name: String) -> [UInt8] {
        MessageFields.encode(grantFields(removeVerb, grant, root: root, container: name) + mountPoints)
    }

    /// `replace` as a request; the worker gets the init's pidfd and the new node's tree, in that order.
    static func replaceRequest(_ grant: GrantRecord.Grant, at path: String, root: HostIDs, container name: String) -> [UInt8] {
        MessageFields.encode(grantFields(replaceVerb, grant, root: root, container: name) + [path])
    }

    /// The verb, the container, its root's ids and the grant: 12 fields.
    private static func grantFields(_ verb: String, _ grant: GrantRecord.Grant, root: HostIDs, container name: String) -> [String] {
        let identity = grant.node
        return [
            verb, name, String(root.uid), String(root.gid), grant.containerPath, grant.type.rawValue,
            String(grant.number.major), String(grant.number.minor), String(identity.fileSystem.major), String(identity.fileSystem.minor),
            String(identity.inode), identity.name,
        ]
    }

    /// The root's ids and the grant of a request made by `grantFields`.
    private static func decodeGrant(_ fields: [String]) -> (HostIDs, GrantRecord.Grant)? {
        guard fields.count >= 12, let uid = UInt32(fields[2]), let gid = UInt32(fields[3]),
              let type = DeviceType(rawValue: fields[5]), let major = UInt32(fields[6]), let minor = UInt32(fields[7]),
              let fsMajor = UInt32(fields[8]), let fsMinor = UInt32(fields[9]), let inode = UInt64(fields[10])
        else { return nil }
        let grant = GrantRecord.Grant(
            key: nil, containerPath: fields[4], type: type, number: DeviceNumber(major: major, minor: minor), readOnly: false,
            node: GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: fsMajor, minor: fsMinor), inode: inode, name: fields[11]))
        return (HostIDs(uid: uid, gid: gid), grant)
    }

    /// In the worker: the request done, with the descriptors that came with it (which it closes).
    static func perform(_ fields: [String], _ descriptors: [Int32]) -> [UInt8] {
        var owned = descriptors
        defer { for descriptor in owned { close(descriptor) } }
        let malformed = MessageFields.encode(["error", "a malformed request to the worker"])
        guard let verb = fields.first, fields.count >= 2 else { return malformed }
        let name = fields[1]
        switch verb {
        case placeVerb:
            guard fields.count == 5, descriptors.count == 2, let uid = UInt32(fields[3]), let gid = UInt32(fields[4]) else { return malformed }
            owned = []
            let pidfd = FileDescriptor.adopting(descriptors[0], path: "the init of container '\(name)'")
            let tree = FileDescriptor.adopting(descriptors[1], path: "the node for \(fields[2])")
            do throws(AdminError) {
                try place(tree, at: fields[2], root: HostIDs(uid: uid, gid: gid), pidfd: pidfd, container: name)
                return MessageFields.encode(["ok"])
            } catch {
                return MessageFields.encode(["error", error.description])
            }
        case removeVerb:
            guard descriptors.count == 1, let (root, grant) = decodeGrant(fields) else { return malformed }
            owned = []
            let pidfd = FileDescriptor.adopting(descriptors[0], path: "the init of container '\(name)'")
            do throws(AdminError) {
                let removal = try remove(grant, mountPoints: Array(fields[12...]), root: root, pidfd: pidfd, container: name)
                return MessageFields.encode([Array("ok".utf8), removal.encoded()])
            } catch {
                return MessageFields.encode(["error", error.description])
            }
        case replaceVerb:
            guard fields.count == 13, descriptors.count == 2, let (root, grant) = decodeGrant(fields) else { return malformed }
            owned = []
            let pidfd = FileDescriptor.adopting(descriptors[0], path: "the init of container '\(name)'")
            let tree = FileDescriptor.adopting(descriptors[1], path: "the node for \(fields[12])")
            do throws(AdminError) {
                let (removal, placeFailure) = try replace(grant, with: tree, at: fields[12], root: root, pidfd: pidfd, container: name)
                return MessageFields.encode([Array("ok".utf8), removal.encoded()] + (placeFailure.map { [Array($0.description.utf8)] } ?? []))
            } catch {
                return MessageFields.encode(["error", error.description])
            }
        default:
            return malformed
        }
    }

    /// What the worker's answer to `replace` says: what the removal did, and
    /// why the new node was not put in (nil: it was); or the error it tells.
    static func replacementAnswer(_ bytes: [UInt8]) throws(AdminError) -> (Removal, AdminError?) {
        let payload = try answer(bytes)
        guard let fields = MessageFields.decode(bytes), fields.count == 2 || fields.count == 3, let removal = Removal(encoded: payload) else {
            throw AdminError("a garbled answer from the worker")
        }
        return (removal, fields.count == 3 ? AdminError(String(decoding: fields[2], as: UTF8.self)) : nil)
    }

    /// What the worker's answer says: its payload, or the error it tells.
    static func answer(_ bytes: [UInt8]) throws(AdminError) -> [UInt8] {
        guard let fields = MessageFields.decode(bytes), let first = fields.first else { throw AdminError("a garbled answer from the worker") }
        if first.elementsEqual("ok".utf8) { return fields.count > 1 ? fields[1] : [] }
        guard first.elementsEqual("error".utf8), fields.count == 2 else { throw AdminError("a garbled answer from the worker") }
        throw AdminError(String(decoding: fields[1], as: UTF8.self))
    }

    // MARK: The steps

    /// An empty file to mount onto, made with `O_EXCL` (so nothing there is
    /// taken over) and opened without following a symlink.
    private static func makeMountPoint(_ fileName: String, in directory: Directory, path: String, _ name: String) throws(AdminError) -> FileDescriptor {
        do {
            _ = try directory.descriptor.open(fileName, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
        } catch {
            if error.errno == EEXIST { throw AdminError("\(path) already exists in container '\(name)'") }
            throw mountPointError(error, path, name)
        }
        do {
            return try directory.descriptor.open(fileName, flags: O_PATH | O_NOFOLLOW)
        } catch {
            try? directory.descriptor.remove(fileName)
            throw mountPointError(error, path, name)
        }
    }

    private static func mountPointError(_ error: SystemError, _ path: String, _ name: String) -> AdminError {
        AdminError("cannot make the mount point for \(path) in container '\(name)': \(error)\(error.walkHint)")
    }

    /// What one path gave up.
    struct Unmounted {
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
    private static func unmount(
        _ grant: GrantRecord.Grant, at path: String, listed: Bool, removingMountPoint: Bool, _ name: String
    ) throws(AdminError) -> Unmounted {
        var result = Unmounted()
        guard let (directories, fileName) = DevicePath.splitAbsolute(path) else { return result }
        let failed = { (error: SystemError) in
            AdminError("cannot take \(OctalEscape.escapeForTerminal(path)) out of container '\(name)': \(error)\(error.walkHint)")
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
            // What is at `fileName` now, and whether it is the node of the grant (by the identity the host recorded).
            let topIsOurs = { () throws(SystemError) -> Bool? in
                guard let top = try parent.openIfPresent(fileName, flags: O_PATH | O_NOFOLLOW) else { return nil }
                let info = try top.status()
                return info.isNode(of: grant.type, grant.number) && GrantRecord.NodeIdentity(
                    fileSystem: DeviceNumber(info.st_dev), inode: UInt64(info.st_ino), name: grant.node.name) == grant.node
            }
            for _ in 0..<16 {
                guard let isOurs = try topIsOurs() else { break }
                // Something else on top is taken off only while a mount of the node is listed below it.
                guard isOurs || (listed && result.removed == 0) else { break }
                do throws(SystemError) {
                    try FileSystem.unmount(fileName, flags: Int32(MNT_DETACH | UMOUNT_NOFOLLOW))
                } catch {
                    if error.errno == EINVAL { break }  // not a mount point: the file under everything
                    throw SystemError(call: error.call, path: path, errno: error.errno)
                }
                // umount2 names a path: what it took off is counted by what was checked just before.
                if isOurs { result.removed += 1 } else { result.stacked += 1 }
            }
            result.left = try topIsOurs() == true
            // The empty file it was mounted on (autodev's or attach's), removed as the container's root.
            if result.removed > 0, removingMountPoint, let under = try? parent.status(fileName), under.st_mode & S_IFMT == S_IFREG, under.st_size == 0 {
                try? parent.remove(fileName)
            }
        } catch {
            throw failed(error)
        }
        return result
    }

    /// Runs `body` in the mount namespace of the process `pidfd` refers to (the container's init).
    private static func inContainer<T>(_ pidfd: borrowing FileDescriptor, _ name: String, _ body: () throws(AdminError) -> T) throws(AdminError) -> T {
        do {
            return try MountNamespace.entering(pidfd, describedAs: "container '\(name)'", body)
        } catch {
            switch error {
            case .entering(let error):
                let hint = error.call == "setns" && error.errno == EINVAL ? " (setns needs a single-threaded process)" : ""
                throw AdminError("cannot enter container '\(name)': \(error)\(hint)")
            case .body(let error):
                throw error
            }
        }
    }

    /// The container's `/dev`, in its mount namespace, not following a symlink.
    private static func devRoot() throws(SystemError) -> FileDescriptor {
        try FileDescriptor.open("/dev", flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
    }
}

import Glibc
import PassthroughContainerEntry
import PassthroughModel
import PassthroughSystem

/// Owners named the way the container names them: a user or group name is
/// looked up in the container's own `/etc/passwd` or `/etc/group` (its
/// `render` group is not the host's), and written into the entry as a number,
/// so that the entry stays Proxmox's syntax.
///
/// The files belong to the container's root: they are read confined to the
/// container's root file system (`ConfinedFile`), with its root's file
/// system ids, from the running container's root (`/proc/PID/root`) or,
/// stopped, from its directory rootfs.
public struct ContainerAccounts {
    public let administration: Administration
    public let live: LiveSystem
    /// Larger files are refused: an account database is kilobytes.
    public static let limit = 1 << 20

    public init(_ administration: Administration, live: LiveSystem) {
        self.administration = administration
        self.live = live
    }

    /// An owner as given: nil stays nil, a number is taken as it is, a name
    /// is looked up. Also returns what a name resolved to, to be told.
    public func resolve(_ account: Account?, _ kind: AccountDatabase.Kind) throws(AdminError) -> (id: UInt32?, note: String?) {
        let name: String
        switch account {
        case nil: return (nil, nil)
        case .id(let id): return (id, nil)
        case .name(let text): name = text
        }
        if let problem = DevicePath.controlCharacterProblem(name) { throw AdminError(problem) }
        let (database, source) = try read(kind)
        guard let id = database.id(of: name) else {
            throw AdminError("container '\(administration.container.name)' has no \(kind.noun) '\(OctalEscape.escapeForTerminal(name))' in its \(kind.rawValue) (read \(source))")
        }
        return (id, "\(kind.key) \(name) is \(id) in the container (its \(kind.rawValue))")
    }

    /// The container's account database, and where it was read from.
    public func read(_ kind: AccountDatabase.Kind) throws(AdminError) -> (AccountDatabase, String) {
        let (bytes, source) = try readText(kind.rawValue, describedAs: kind.rawValue)
        return (AccountDatabase(kind: kind, text: bytes), source)
    }

    /// A file of the container (`/etc/group`), read as its accounts are, and where it was read from.
    public func readText(_ path: String, describedAs what: String) throws(AdminError) -> ([UInt8], String) {
        try confined(what) { root, name throws(SystemError) in
            try ConfinedFile.read(path, under: root, describedAs: name, limit: ContainerAccounts.limit)
        }
    }

    /// `body` with the container's `/` (a descriptor, and its name for
    /// messages: `/proc/PID/root` of the running container, or its directory
    /// rootfs), run with its root's file system ids; also returns where it
    /// read (`from the running container, /proc/PID/root` and `what`'s path).
    public func confined<T>(
        _ what: String, _ body: (borrowing FileDescriptor, String) throws(SystemError) -> T
    ) throws(AdminError) -> (T, String) {
        let container = administration.container
        let failed = { (error: SystemError) in AdminError("cannot read container '\(container.name)''s \(what): \(error)") }
        switch try live.state(of: container) {
        case .running(let running):
            guard let owner = running.idMap.mappedRoot else {
                throw AdminError("container '\(container.name)''s root is not mapped to a host user: its files are not read as an unmapped root")
            }
            let name = "/proc/\(running.pid)/root"
            let value = try translatingErrors({ () throws(SystemError) -> T in
                let root = try FileDescriptor.open(name, flags: O_PATH | O_DIRECTORY)
                // The same process still: its root is the one opened.
                guard try running.pidfd.processID() == running.pid else { throw SystemError(call: "open", path: name, errno: ESRCH) }
                return try FileSystemIDs.with(uid: owner.uid, gid: owner.gid) { () throws(SystemError) in try body(root, name) }
            }, failed)
            return (value, "from the running container, \(name)\(what)")
        case .notRunning, .unverified:
            let (rootfs, owner) = try directoryRootfs()
            let value = try translatingErrors({ () throws(SystemError) -> T in
                let root = try FileDescriptor.open(rootfs, flags: O_PATH | O_DIRECTORY | O_NOFOLLOW)
                return try FileSystemIDs.with(uid: owner.uid, gid: owner.gid) { () throws(SystemError) in try body(root, rootfs) }
            }, failed)
            return (value, "from its root file system, \(rootfs)\(what)")
        }
    }

    /// The stopped container's root file system: a directory (`dir:PATH`
    /// or `PATH` in `lxc.rootfs.path`); another kind is not mounted now.
    /// With it, its root's host ids (0:0 when privileged), from its id map.
    func directoryRootfs() throws(AdminError) -> (path: String, owner: (uid: UInt32, gid: UInt32)) {
        let container = administration.container
        let document: ConfigDocument = try ConfigStore.read(container)
        let value: String?
        do throws(ConfigFailure) {
            value = try administration.reader(for: document).lastValue(of: "lxc.rootfs.path", configPath: container.configPath)
        } catch {
            throw AdminError(error)
        }
        guard let value, !value.isEmpty else {
            throw AdminError("container '\(container.name)' has no lxc.rootfs.path: names cannot be looked up in it; give numbers")
        }
        let path = value.hasPrefix("dir:") ? String(value.dropFirst(4)) : value
        guard path.hasPrefix("/") else {
            throw AdminError("container '\(container.name)''s root file system is '\(value)', not a directory: names are looked up in a directory "
                + "rootfs, or in any while the container runs; start it, or give numbers")
        }
        return (path, try administration.idMap(document).hostRoot)
    }
}

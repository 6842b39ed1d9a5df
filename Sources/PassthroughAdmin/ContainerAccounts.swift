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
        let container = administration.container
        let failed = { (error: SystemError) in AdminError("cannot read container '\(container.name)''s \(kind.rawValue): \(error)") }
        switch try live.state(of: container) {
        case .running(let running):
            guard let owner = running.idMap.mappedRoot else {
                throw AdminError("container '\(container.name)''s root is not mapped to a host user: its files are not read as an unmapped root")
            }
            let name = "/proc/\(running.pid)/root"
            let bytes = try translatingErrors({ () throws(SystemError) -> [UInt8] in
                let root = try FileDescriptor.open(name, flags: O_PATH | O_DIRECTORY)
                // The same process still: its root is the one opened.
                guard try running.pidfd.processID() == running.pid else { throw SystemError(call: "open", path: name, errno: ESRCH) }
                return try readAsItsRoot(kind, under: root, describedAs: name, owner: owner)
            }, failed)
            return (AccountDatabase(kind: kind, text: bytes), "from the running container, \(name)\(kind.rawValue)")
        case .notRunning, .unverified:
            let (rootfs, owner) = try directoryRootfs()
            let bytes = try translatingErrors({ () throws(SystemError) -> [UInt8] in
                let root = try FileDescriptor.open(rootfs, flags: O_PATH | O_DIRECTORY | O_NOFOLLOW)
                return try readAsItsRoot(kind, under: root, describedAs: rootfs, owner: owner)
            }, failed)
            return (AccountDatabase(kind: kind, text: bytes), "from its root file system, \(rootfs)\(kind.rawValue)")
        }
    }

    /// Read with the file system ids of the container's root: what it may not
    /// read, this does not either.
    private func readAsItsRoot(
        _ kind: AccountDatabase.Kind, under root: borrowing FileDescriptor, describedAs name: String, owner: (uid: UInt32, gid: UInt32)
    ) throws(SystemError) -> [UInt8] {
        try FileSystemIDs.with(uid: owner.uid, gid: owner.gid) { () throws(SystemError) in
            try ConfinedFile.read(kind.rawValue, under: root, describedAs: name, limit: ContainerAccounts.limit)
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

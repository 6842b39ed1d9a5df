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
/// container's root file system (`ConfinedFile`), from the running
/// container's root (`/proc/PID/root`) or, stopped, from its directory rootfs.
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
    public func resolve(_ text: String?, _ kind: AccountDatabase.Kind) throws(AdminError) -> (id: UInt32?, note: String?) {
        guard let text else { return (nil, nil) }
        if let problem = DevicePath.controlCharacterProblem(text) { throw AdminError(problem) }
        guard AccountDatabase.isName(text) else {
            guard let id = try? DeviceSpec.parse("/dev/x,\(kind.key)=\(text)") else {
                throw AdminError("invalid \(kind.key) '\(text)': expected an integer from 0 to 4294967294, or a \(kind.noun) name of the container")
            }
            return (kind == .users ? id.uid : id.gid, nil)
        }
        let (database, source) = try read(kind)
        guard let id = database.id(of: text) else {
            throw AdminError("container '\(administration.container.name)' has no \(kind.noun) '\(OctalEscape.escapeForTerminal(text))' in its \(kind.rawValue) (read \(source))")
        }
        return (id, "\(kind.key) \(text) is \(id) in the container (its \(kind.rawValue))")
    }

    /// The container's account database, and where it was read from.
    public func read(_ kind: AccountDatabase.Kind) throws(AdminError) -> (AccountDatabase, String) {
        let container = administration.container
        let failed = { (error: SystemError) in AdminError("cannot read container '\(container.name)''s \(kind.rawValue): \(error)") }
        switch try live.state(of: container) {
        case .running(let running):
            let name = "/proc/\(running.pid)/root"
            let bytes = try translatingErrors({ () throws(SystemError) -> [UInt8] in
                let root = try FileDescriptor.open(name, flags: O_PATH | O_DIRECTORY)
                // The same process still: its root is the one opened.
                guard try running.pidfd.processID() == running.pid else { throw SystemError(call: "open", path: name, errno: ESRCH) }
                return try ConfinedFile.read(kind.rawValue, under: root, describedAs: name, limit: ContainerAccounts.limit)
            }, failed)
            return (AccountDatabase(kind: kind, text: bytes), "from the running container, \(name)\(kind.rawValue)")
        case .notRunning:
            let rootfs = try directoryRootfs()
            let bytes = try translatingErrors({ () throws(SystemError) -> [UInt8] in
                let root = try FileDescriptor.open(rootfs, flags: O_PATH | O_DIRECTORY | O_NOFOLLOW)
                return try ConfinedFile.read(kind.rawValue, under: root, describedAs: rootfs, limit: ContainerAccounts.limit)
            }, failed)
            return (AccountDatabase(kind: kind, text: bytes), "from its root file system, \(rootfs)\(kind.rawValue)")
        }
    }

    /// The stopped container's root file system: a directory (`dir:PATH`
    /// or `PATH` in `lxc.rootfs.path`); another kind is not mounted now.
    func directoryRootfs() throws(AdminError) -> String {
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
        return path
    }
}

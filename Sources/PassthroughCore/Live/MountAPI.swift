#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import CLinuxShims

/// The new mount API (Linux 5.2+) and namespace calls that live attach uses:
/// a tmpfs that is never mounted anywhere, a detached copy of one node of it,
/// moved onto a path in the container's mount namespace.
public enum MountAPI {
    /// `fsopen(2)`, `fsconfig(2)` and `fsmount(2)`: a new tmpfs, mounted
    /// nowhere (nosuid, noexec; device nodes work). The descriptor is its root.
    public static func detachedTmpfs(source: String, options: [(String, String)]) throws(SystemError) -> FileDescriptor {
        let context = shim_fsopen("tmpfs", LinuxConstants.fsopenCloseOnExec)
        guard context >= 0 else { throw SystemError(call: "fsopen", path: "tmpfs", errno: errno) }
        defer { _ = close(context) }
        for (key, value) in [("source", source)] + options {
            if shim_fsconfig(context, LinuxConstants.fsconfigSetString, key, value) != 0 {
                throw SystemError(call: "fsconfig", path: "tmpfs \(key)=\(value)", errno: errno)
            }
        }
        if shim_fsconfig(context, LinuxConstants.fsconfigCreate, nil, nil) != 0 {
            throw SystemError(call: "fsconfig", path: "tmpfs (create)", errno: errno)
        }
        let mount = shim_fsmount(context, LinuxConstants.fsmountCloseOnExec, LinuxConstants.mountAttributesNoSetuidNoExec)
        guard mount >= 0 else { throw SystemError(call: "fsmount", path: "tmpfs", errno: errno) }
        return FileDescriptor(rawValue: mount, path: "(detached tmpfs \(source))")
    }

    /// `move_mount(2)` of a detached mount onto the file `target` names
    /// (both as descriptors: nothing is looked up by path).
    public static func move(_ mount: FileDescriptor, onto target: FileDescriptor) throws(SystemError) {
        if shim_move_mount(mount.rawValue, "", target.rawValue, "", LinuxConstants.moveMountBothEmptyPaths) != 0 {
            throw SystemError(call: "move_mount", path: target.path, errno: errno)
        }
    }

    /// Runs `body` in the mount namespace of the process `pidfd` refers to
    /// (`setns(2)`), then returns to this process's own namespace and working
    /// directory. Paths in `body` resolve in that namespace, from its root.
    /// The process must be single-threaded (the kernel refuses otherwise).
    public static func inMountNamespace<T>(of pidfd: FileDescriptor, describedAs name: String, _ body: () throws -> T) throws -> T {
        let home = try FileDescriptor.open("/proc/self/ns/mnt", flags: O_RDONLY)
        let workingDirectory = try FileDescriptor.open(".", flags: LinuxConstants.openPath | O_DIRECTORY)
        if shim_setns(pidfd.rawValue, LinuxConstants.cloneNewMountNamespace) != 0 {
            throw SystemError(call: "setns", path: "the mount namespace of \(name)", errno: errno)
        }
        defer {
            // Failing to come back would leave every later path resolving in the container.
            guard shim_setns(home.rawValue, LinuxConstants.cloneNewMountNamespace) == 0, fchdir(workingDirectory.rawValue) == 0 else {
                fatalError("cannot return to this process's own mount namespace: \(SystemError.text(for: errno))")
            }
        }
        return try body()
    }

    /// Runs `body` with this thread's file system ids set to `uid`/`gid`
    /// (`setfsuid(2)`, `setfsgid(2)`), so that files it creates belong to
    /// them. For a non-zero id the kernel drops the file capabilities meanwhile.
    public static func withFileSystemIDs<T>(uid: UInt32, gid: UInt32, _ body: () throws -> T) rethrows -> T {
        guard uid != 0 || gid != 0 else { return try body() }
        let oldGID = shim_setfsgid(gid)
        let oldUID = shim_setfsuid(uid)
        defer {
            _ = shim_setfsuid(UInt32(bitPattern: oldUID))
            _ = shim_setfsgid(UInt32(bitPattern: oldGID))
        }
        return try body()
    }
}

extension FileDescriptor {
    /// `open_tree(2)` with `OPEN_TREE_CLONE`: a detached bind mount of the
    /// child `name` (not following a symlink).
    public func cloneTree(_ name: String) throws(SystemError) -> FileDescriptor {
        let flags = LinuxConstants.openTreeClone | UInt32(O_CLOEXEC) | LinuxConstants.atSymlinkNoFollow
        let fd = shim_open_tree(rawValue, name, flags)
        guard fd >= 0 else { throw SystemError(call: "open_tree", path: child(name), errno: errno) }
        return FileDescriptor(rawValue: fd, path: child(name))
    }

    /// `fchdir(2)`.
    public func changeWorkingDirectory() throws(SystemError) {
        if fchdir(rawValue) != 0 { throw SystemError(call: "fchdir", path: path, errno: errno) }
    }
}

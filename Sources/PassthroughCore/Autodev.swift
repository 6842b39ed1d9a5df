#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The autodev hook: in the container's mount namespace (and, for an
/// unprivileged container, its user namespace), before pivot_root. It binds
/// each node pre-start made onto an empty file at the device's path under the
/// container's `/dev`.
public enum Autodev {
    /// Returns the number of devices mounted. A failure is also written to
    /// the passthrough directory's error file, for post-stop to report: an
    /// unprivileged autodev hook cannot reach lxc-start's terminal or log.
    @discardableResult
    public static func run(_ context: HookContext) throws(HookFailure) -> Int {
        guard let rootfs = context.rootfsMount else { throw HookFailure("LXC_ROOTFS_MOUNT is not set") }
        let nodes: FileDescriptor
        do {
            let parent = try FileDescriptor.open(context.containerDirectory, flags: O_RDONLY | O_DIRECTORY)
            guard let opened = try openIfPresent(parent, PassthroughDirectory.name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW) else {
                return 0
            }
            // Only pre-start's tmpfs counts: a plain directory there was left or planted
            // (an unprivileged container's mapped root owns the container directory).
            guard try opened.status().st_dev != parent.status().st_dev else { return 0 }
            nodes = opened
        } catch {
            throw HookFailure("cannot open the device directory: \(error)")
        }
        do {
            return try mountAll(from: nodes, rootfs: rootfs)
        } catch {
            PassthroughDirectory.recordAutodevError(error.description, in: nodes)
            throw error
        }
    }

    static func mountAll(from nodes: FileDescriptor, rootfs: String) throws(HookFailure) -> Int {
        let list: DeviceList
        do {
            guard let file = try openIfPresent(nodes, DeviceList.fileName, flags: O_RDONLY | O_NOFOLLOW) else { return 0 }
            list = try DeviceList.decode(bytes: try file.readAll(limit: 4 << 20))
        } catch let error as SystemError {
            throw HookFailure("cannot read the device list: \(error)")
        } catch let error as DeviceList.Failure {
            throw HookFailure("the device list \(nodes.child(DeviceList.fileName)) is damaged: \(error)")
        } catch {
            throw HookFailure("\(error)")
        }
        guard !list.items.isEmpty else { return 0 }
        let devRoot: FileDescriptor
        do {
            devRoot = try FileDescriptor.open(rootfs + "/dev", flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        } catch {
            throw HookFailure("cannot open the container's /dev: \(error)")
        }
        let directories = Directories(root: devRoot)
        for item in list.items {
            try mount(item, from: nodes, into: directories)
        }
        return list.items.count
    }

    static func openIfPresent(_ directory: FileDescriptor, _ name: String, flags: Int32) throws(SystemError) -> FileDescriptor? {
        do {
            return try directory.open(name, flags: flags)
        } catch {
            if error.errno == ENOENT { return nil }
            throw error
        }
    }

    static func mount(_ item: DeviceList.Item, from nodes: FileDescriptor, into directories: Directories) throws(HookFailure) {
        let source: FileDescriptor
        do {
            source = try nodes.open(item.key.description, flags: LinuxConstants.openPath | O_NOFOLLOW)
            let info = try source.status()
            guard info.isNode(of: item.type, item.number) else {
                throw HookFailure(device: item.label, "the node \(source.path) is not the listed \(item.type.noun) \(item.number)")
            }
        } catch let error as SystemError {
            throw HookFailure(device: item.label, "cannot open the node made by pre-start: \(error)")
        } catch let error as HookFailure {
            throw error
        } catch {
            throw HookFailure(device: item.label, "\(error)")
        }
        let target = try makeTarget(for: item, in: directories)
        do {
            try FileSystem.mount(
                source: source.procPath, target: target.procPath, type: nil, flags: UInt(MS_BIND), options: nil,
                describedAs: target.path)
        } catch {
            throw HookFailure(device: item.label, "cannot bind the node into the container: \(error)")
        }
    }

    /// Walks to the device's path below the container's `/dev` without
    /// following symlinks, making missing directories and an empty file to
    /// mount onto. An existing file or device node there is mounted over.
    static func makeTarget(for item: DeviceList.Item, in directories: Directories) throws(HookFailure) -> FileDescriptor {
        let (components, name) = DevicePath.split(item.path)
        do {
            let directory = try directories.open(components)
            do {
                _ = try directory.open(name, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
            } catch {
                guard error.errno == EEXIST else { throw error }
                let existing = try directory.status(name)
                let type = existing.st_mode & S_IFMT
                guard type == S_IFREG || type == S_IFCHR || type == S_IFBLK else {
                    throw HookFailure(device: item.label, "\(directory.child(name)) already exists in the container as \(fileTypeName(mode: existing.st_mode))")
                }
            }
            return try directory.open(name, flags: LinuxConstants.openPath | O_NOFOLLOW)
        } catch let error as SystemError {
            let hint = error.errno == ELOOP || error.errno == ENOTDIR ? " (a parent is a symlink or not a directory)" : ""
            throw HookFailure(device: item.label, "cannot make the mount point in the container's /dev: \(error)\(hint)")
        } catch let error as HookFailure {
            throw error
        } catch {
            throw HookFailure(device: item.label, "\(error)")
        }
    }

    /// Directories below the container's `/dev`, made and opened once each
    /// (without following symlinks) however many devices they hold.
    final class Directories {
        let root: FileDescriptor
        private var opened: [String: FileDescriptor] = [:]
        /// The directories this walk made (parent, name), in the order made.
        private(set) var made: [(parent: FileDescriptor, name: String)] = []

        init(root: FileDescriptor) { self.root = root }

        func open(_ components: [String]) throws(SystemError) -> FileDescriptor {
            var directory = root
            var prefix = ""
            for component in components {
                prefix += "/" + component
                if let known = opened[prefix] {
                    directory = known
                    continue
                }
                // 0755 whatever lxc-start's umask: users in the container must reach the node.
                if try directory.makeDirectory(component, mode: 0o755) {
                    made.append((directory, component))
                    try directory.setMode(component, mode: 0o755)
                }
                directory = try directory.open(component, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
                opened[prefix] = directory
            }
            return directory
        }

        /// Opens existing directories only, without following symlinks.
        static func openExisting(_ components: [String], from root: FileDescriptor) throws(SystemError) -> FileDescriptor {
            var directory = root
            for component in components {
                directory = try directory.open(component, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            }
            return directory
        }

        /// Removes the directories this walk made, last first (best effort).
        func removeMade() {
            for (parent, name) in made.reversed() { try? parent.remove(name, directory: true) }
        }
    }
}

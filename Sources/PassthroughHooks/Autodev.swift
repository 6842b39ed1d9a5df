import Glibc
import PassthroughModel
import PassthroughSystem

/// The autodev hook: in the container's mount namespace (and, for an
/// unprivileged container, its user namespace), before pivot_root. It binds
/// each node pre-start made onto an empty file at the device's path under the
/// container's `/dev`.
public enum Autodev {
    /// What `pve-autodev-hook` runs: the summary line, or none with no
    /// devices. The list mounted is kept until the exit (see `HookReport.kept`).
    public static func hook(_ context: HookContext) throws(HookFailure) -> HookReport {
        let list = try mounted(context)
        let count = list.items.count
        guard count > 0 else { return HookReport(summary: nil) }
        return HookReport(summary: "mounted \(count) device(s) into the container's /dev", keeping: Kept(list))
    }

    /// The list, kept as an object (`HookReport.kept`).
    final class Kept: Sendable {
        let list: DeviceList
        init(_ list: DeviceList) { self.list = list }
    }

    /// Returns the number of devices mounted. A failure is also written to
    /// the passthrough directory's error file, for post-stop to report: an
    /// unprivileged autodev hook cannot reach lxc-start's terminal or log.
    @discardableResult
    public static func run(_ context: HookContext) throws(HookFailure) -> Int {
        try mounted(context).items.count
    }

    /// The devices mounted (`run`), as listed.
    static func mounted(_ context: HookContext) throws(HookFailure) -> DeviceList {
        guard !context.rootfsMount.isEmpty else { throw HookFailure("LXC_ROOTFS_MOUNT is not set") }
        guard let nodes = try openNodes(context) else { return DeviceList([]) }
        do {
            return try mountAll(from: nodes, rootfs: context.rootfsMount)
        } catch {
            PassthroughDirectory.recordAutodevError(error.description, in: nodes)
            throw error
        }
    }

    /// Pre-start's tmpfs, or nil when there is none.
    static func openNodes(_ context: HookContext) throws(HookFailure) -> FileDescriptor? {
        try translatingErrors({ () throws(SystemError) -> FileDescriptor? in
            let parent = try FileDescriptor.open(context.containerDirectory, flags: O_RDONLY | O_DIRECTORY)
            // O_PATH: the tmpfs root is 0711; the files in it are opened by name.
            guard let nodes = try parent.openIfPresent(PassthroughDirectory.name, flags: O_PATH | O_DIRECTORY | O_NOFOLLOW) else {
                return nil
            }
            // Only pre-start's tmpfs counts: a plain directory there was left or planted
            // (an unprivileged container's mapped root owns the container directory).
            guard try nodes.status().st_dev != parent.status().st_dev else { return nil }
            return nodes
        }, { HookFailure("cannot open the device directory: \($0)") })
    }

    static func mountAll(from nodes: borrowing FileDescriptor, rootfs: String) throws(HookFailure) -> DeviceList {
        let list = try readList(in: nodes)
        guard !list.items.isEmpty else { return list }
        let devRoot = try translatingErrors({ () throws(SystemError) in
            try FileDescriptor.open(rootfs + "/dev", flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        }, { HookFailure("cannot open the container's /dev: \($0)") })
        let directories = DirectoryWalk(root: devRoot)
        for item in list.items {
            try mount(item, from: nodes, into: directories)
        }
        return list
    }

    /// The device list pre-start wrote; an empty one when there is none.
    static func readList(in nodes: borrowing FileDescriptor) throws(HookFailure) -> DeviceList {
        let bytes = try translatingErrors({ () throws(SystemError) -> [UInt8]? in
            guard let file = try nodes.openIfPresent(DeviceList.fileName, flags: O_RDONLY | O_NOFOLLOW) else { return nil }
            return try file.readAll(limit: 4 << 20)
        }, { HookFailure("cannot read the device list: \($0)") })
        guard let bytes else { return DeviceList([]) }
        do {
            return try DeviceList.decode(bytes: bytes)
        } catch {
            throw HookFailure("the device list \(nodes.child(DeviceList.fileName)) is damaged: \(error)")
        }
    }

    static func mount(_ item: DeviceList.Item, from nodes: borrowing FileDescriptor, into directories: DirectoryWalk) throws(HookFailure) {
        let source = try translatingErrors({ () throws(SystemError) -> FileDescriptor? in
            let source = try nodes.open(item.name.description, flags: O_PATH | O_NOFOLLOW)
            guard try source.status().isNode(of: item.type, item.number) else { return nil }
            return source
        }, { HookFailure(device: item.label, "cannot open the node made by pre-start: \($0)") })
        guard let source else {
            throw HookFailure(device: item.label, "the node \(nodes.child(item.name.description)) is not the listed \(item.type.noun) \(item.number)")
        }
        let target = try makeTarget(for: item, in: directories)
        do {
            try target.bindMount(from: source)
        } catch {
            throw HookFailure(device: item.label, "cannot bind the node into the container: \(error)")
        }
    }

    /// Walks to the device's path below the container's `/dev` without
    /// following symlinks, making missing directories and an empty file to
    /// mount onto. An existing file or device node there is mounted over.
    static func makeTarget(for item: DeviceList.Item, in directories: DirectoryWalk) throws(HookFailure) -> FileDescriptor {
        let (components, name) = DevicePath.split(item.path)
        let failed = { (error: SystemError) -> HookFailure in
            HookFailure(device: item.label, "cannot make the mount point in the container's /dev: \(error)\(error.walkHint)")
        }
        let (directory, existing) = try translatingErrors({ () throws(SystemError) -> (Directory, stat?) in
            let directory = try directories.open(components)
            do throws(SystemError) {
                _ = try directory.descriptor.open(name, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
                return (directory, nil)
            } catch {
                guard error.errno == EEXIST else { throw error }
                return (directory, try directory.descriptor.status(name))
            }
        }, failed)
        if let existing {
            let type = existing.st_mode & S_IFMT
            guard type == S_IFREG || type == S_IFCHR || type == S_IFBLK else {
                throw HookFailure(
                    device: item.label,
                    "\(directory.descriptor.child(name)) already exists in the container as \(fileTypeName(mode: existing.st_mode))")
            }
        }
        return try translatingErrors({ () throws(SystemError) in
            try directory.descriptor.open(name, flags: O_PATH | O_NOFOLLOW)
        }, failed)
    }
}

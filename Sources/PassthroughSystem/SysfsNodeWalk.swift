import Glibc
import PassthroughModel

extension SysfsRoot {
    /// How many directories deep a walk goes below a device's directory.
    public static let walkDepthLimit = 16
    /// How many directories a walk opens at most.
    public static let walkDirectoryLimit = 4096

    /// Every device node below `device` in sysfs, its own first: each
    /// directory of its subtree that has a `dev` file, with its `uevent`
    /// (`DEVNAME`) and `subsystem` link. Its interfaces' tty, hidraw, video,
    /// sound and input nodes are there, and, as the kernel lays out a hub,
    /// the devices plugged into it and their nodes.
    ///
    /// Only the device's directory (the kernel's link in `bus/usb/devices`)
    /// is reached through a symlink. Below it no symlink is followed:
    /// `subsystem`, `driver`, `port` and the like lead out of the subtree,
    /// and nothing outside it is given. The walk stops with an error rather
    /// than going deeper than `walkDepthLimit` directories or opening more
    /// than `walkDirectoryLimit` (a real device has a few dozen; a hub with
    /// several devices, a few hundred).
    ///
    /// Throws `.changed` when the directory now holds another device (its
    /// own `dev` is not `device`'s), and for any node whose files are not
    /// what the kernel writes: a node is never silently left out.
    public func nodes(below device: USBDevice) throws(SysfsError) -> [SysfsNode] {
        let path = path(of: device.port)
        let top = try translatingErrors({ () throws(SystemError) in
            try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY)
        }, SysfsError.system)
        var walk = NodeWalk()
        try walk.collect(in: top, relative: "", depth: 0)
        let own = walk.nodes.first.flatMap { $0.directory.isEmpty ? $0.number : nil }
        guard own == device.nodeNumber else { throw .changed(path: path, expected: device.nodeNumber, found: own) }
        return walk.nodes
    }
}

/// One walk of a device's subtree.
private struct NodeWalk {
    var nodes: [SysfsNode] = []
    var opened = 0

    mutating func collect(in directory: borrowing FileDescriptor, relative: String, depth: Int) throws(SysfsError) {
        opened += 1
        guard opened <= SysfsRoot.walkDirectoryLimit else {
            throw .walkLimit(path: directory.path, limit: "more than \(SysfsRoot.walkDirectoryLimit) directories below the device")
        }
        let (hasNode, subdirectories) = try translatingErrors({ () throws(SystemError) in
            try NodeWalk.look(in: directory)
        }, SysfsError.system)
        if hasNode { nodes.append(try NodeWalk.node(in: directory, relative: relative)) }
        for name in subdirectories {
            guard depth < SysfsRoot.walkDepthLimit else {
                throw .walkLimit(path: directory.child(name), limit: "more than \(SysfsRoot.walkDepthLimit) directories deep below the device")
            }
            let child = try translatingErrors({ () throws(SystemError) in
                try directory.openIfPresent(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            }, SysfsError.system)
            guard let child else { continue }  // gone while walking
            try collect(in: child, relative: relative.isEmpty ? name : relative + "/" + name, depth: depth + 1)
        }
    }

    /// Whether `directory` has a `dev` file, and its real subdirectories (no symlinks), by name.
    static func look(in directory: borrowing FileDescriptor) throws(SystemError) -> (hasNode: Bool, subdirectories: [String]) {
        var hasNode = false
        var subdirectories: [String] = []
        for (name, info) in try directory.entryStatuses() {
            switch info.st_mode & S_IFMT {
            case S_IFDIR: subdirectories.append(name)
            case S_IFREG where name == "dev": hasNode = true
            default: continue
            }
        }
        return (hasNode, subdirectories)
    }

    /// The node of a directory that has a `dev` file.
    static func node(in directory: borrowing FileDescriptor, relative: String) throws(SysfsError) -> SysfsNode {
        let files = try translatingErrors({ () throws(SystemError) in
            (dev: try required("dev", in: directory), uevent: try required("uevent", in: directory), subsystem: try directory.linkTarget("subsystem"))
        }, SysfsError.system)
        do {
            return try SysfsNode.parse(directory: relative, dev: files.dev, uevent: files.uevent, subsystemLink: files.subsystem)
        } catch {
            throw .node(path: directory.path, error)
        }
    }

    static func required(_ name: String, in directory: borrowing FileDescriptor) throws(SystemError) -> [UInt8] {
        guard let bytes = try directory.readAttribute(name) else { throw SystemError(call: "openat", path: directory.child(name), errno: ENOENT) }
        return bytes
    }
}

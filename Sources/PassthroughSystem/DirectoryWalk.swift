import Glibc

/// A directory descriptor that a walk keeps and hands out (a class, so that
/// a dictionary can hold it; it is closed when the last holder lets go).
public final class Directory {
    public let descriptor: FileDescriptor

    public init(_ descriptor: consuming FileDescriptor) {
        self.descriptor = descriptor
    }
}

/// Directories below a root (a container's `/dev`), walked without
/// following symlinks: each is made when missing, 0755 whatever the umask,
/// and opened once however many files it holds.
public final class DirectoryWalk {
    public let root: Directory
    private var opened: [String: Directory] = [:]
    /// The directories this walk made, in the order made.
    private var made: [Made] = []
    /// The last directory asked for: devices listed together are mostly in
    /// one directory (`/dev/serial/by-id`), found again with no string built
    /// or hashed (that was about 7,000 instructions per device in autodev).
    private var lastComponents: [String] = []
    private var lastDirectory: Directory

    /// A directory made, by its parent and name (a struct, not a tuple: the
    /// runtime looks a tuple array's type up by its mangled name).
    private struct Made {
        var parent: Directory
        var name: String
    }

    public init(root: consuming FileDescriptor) {
        self.root = Directory(root)
        lastDirectory = self.root
    }

    /// The directory `components` below the root, made where missing. A
    /// component that is a symlink or not a directory is ELOOP or ENOTDIR.
    public func open(_ components: [String]) throws(SystemError) -> Directory {
        if components == lastComponents { return lastDirectory }
        let directory = try walk(components)
        lastComponents = components
        lastDirectory = directory
        return directory
    }

    private func walk(_ components: [String]) throws(SystemError) -> Directory {
        var directory = root
        var prefix = ""
        for component in components {
            prefix += "/" + component
            if let known = opened[prefix] {
                directory = known
                continue
            }
            let isNew = try directory.descriptor.makeDirectory(component, mode: 0o755)
            if isNew { made.append(Made(parent: directory, name: component)) }
            let next = Directory(try directory.descriptor.open(component, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW))
            // 0755 whatever the umask: users in the container must reach the node. Set on
            // the directory opened, not by name, which another process could swap for a symlink.
            if isNew { try next.descriptor.setMode(0o755) }
            opened[prefix] = next
            directory = next
        }
        return directory
    }

    /// Removes the directories this walk made, last first (best effort).
    public func removeMade() {
        for directory in made.reversed() { try? directory.parent.descriptor.remove(directory.name, directory: true) }
    }

    /// Opens existing directories only, below `root`, without following symlinks.
    public static func openExisting(_ components: [String], from root: borrowing FileDescriptor) throws(SystemError) -> FileDescriptor {
        var directory = try root.duplicate()
        for component in components {
            directory = try directory.open(component, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        }
        return directory
    }
}

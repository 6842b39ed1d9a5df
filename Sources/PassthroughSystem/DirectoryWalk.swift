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
    /// The directories opened below the root, in the order opened, each by
    /// its path from the root (`/serial/by-id`), the last looked for first.
    /// An array, not a dictionary by path: a start passes a few directories,
    /// and the dictionary's storage type, made at the first directory, and
    /// the hashing of its paths were about 20,000 instructions in autodev.
    private var known: [Known] = []
    /// The last directory asked for: devices listed together are mostly in
    /// one directory (`/dev/serial/by-id`), found again with no string built
    /// or compared (that was about 7,000 instructions per device in autodev).
    private var lastComponents: [String] = []
    private var lastDirectory: Directory

    /// A directory opened (nil: made, not opened yet), by its path from the
    /// root, with its parent and name (a struct, not a tuple: the runtime
    /// looks a tuple array's type up by its mangled name).
    private struct Known {
        var path: String
        var directory: Directory?
        var parent: Directory
        var name: String
        var isNew: Bool
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
            if let index = known.lastIndex(where: { $0.directory != nil && $0.path == prefix }), let found = known[index].directory {
                directory = found
                continue
            }
            let isNew = try directory.descriptor.makeDirectory(component, mode: 0o755)
            // One made is removed by `removeMade` even if it cannot be opened.
            if isNew { known.append(Known(path: prefix, directory: nil, parent: directory, name: component, isNew: true)) }
            let next = Directory(try directory.descriptor.open(component, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW))
            // 0755 whatever the umask: users in the container must reach the node. Set on
            // the directory opened, not by name, which another process could swap for a symlink.
            if isNew {
                try next.descriptor.setMode(0o755)
                known[known.count - 1].directory = next
            } else {
                known.append(Known(path: prefix, directory: next, parent: directory, name: component, isNew: false))
            }
            directory = next
        }
        return directory
    }

    /// Removes the directories this walk made, last first (best effort).
    public func removeMade() {
        for directory in known.reversed() where directory.isNew { try? directory.parent.descriptor.remove(directory.name, directory: true) }
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

import Glibc
import PassthroughModel

/// Device nodes found on the host by walking directories: for `add NAME DIR`
/// and `add NAME --gpu`. Nothing is followed: a symbolic link, to a node or
/// to a directory, is skipped (a directory such as `/dev/dri/by-path` holds
/// only links to the nodes found anyway).
public enum DeviceNodes {
    /// How deep `all(under:)` goes below the directory named.
    public static let depthLimit = 8

    /// Every character and block device node under the directory `path`,
    /// descending into real subdirectories, as paths sorted by name.
    public static func all(under path: String) throws(SystemError) -> [String] {
        let top = try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        var found: [String] = []
        try collect(in: top, prefix: path.hasSuffix("/") ? String(path.dropLast()) : path, depth: 0, into: &found)
        return found
    }

    private static func collect(in directory: borrowing FileDescriptor, prefix: String, depth: Int, into found: inout [String]) throws(SystemError) {
        for (name, info) in try directory.entryStatuses() {
            switch info.st_mode & S_IFMT {
            case S_IFCHR, S_IFBLK:
                found.append(prefix + "/" + name)
            case S_IFDIR where depth < depthLimit:
                guard let child = try directory.openIfPresent(name, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW) else { continue }
                try collect(in: child, prefix: prefix + "/" + name, depth: depth + 1, into: &found)
            default:
                continue
            }
        }
    }

    /// The names of the character device nodes in the directory `path` that
    /// `wanted` accepts (tested before anything is looked at); none when the
    /// directory does not exist.
    public static func characterNodes(in path: String, where wanted: (String) -> Bool) throws(SystemError) -> [String] {
        let directory: FileDescriptor
        do {
            directory = try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
        } catch {
            if error.errno == ENOENT { return [] }
            throw error
        }
        var names: [String] = []
        for name in try directory.directoryEntries() where wanted(name) {
            guard let info = try? directory.status(name), info.st_mode & S_IFMT == S_IFCHR else { continue }
            names.append(name)
        }
        return names
    }

    /// The GPU nodes this host has, as `add --gpu` passes them.
    public static func gpus(devices: String = "/dev") throws(SystemError) -> [GPUNodes.Node] {
        GPUNodes.select(
            dri: try characterNodes(in: devices + "/dri") { _ in true },
            dev: try characterNodes(in: devices) { $0.hasPrefix("nvidia") },
            nvidiaCaps: try characterNodes(in: devices + "/nvidia-caps") { _ in true },
            devices: devices)
    }
}

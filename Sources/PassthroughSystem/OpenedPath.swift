/// Where a descriptor was opened, for its messages: a whole path, or a name
/// in a directory opened before. A chain of small objects rather than paths
/// joined at each `openat`: a walk down to `serial/by-id/usb-...` makes no
/// string, and the path is joined only when a message needs it. (Joining and
/// freeing the names of the two files autodev opens for each device was about
/// 10,000 instructions per device.)
final class OpenedPath: Sendable {
    let parent: OpenedPath?
    let name: String

    /// A descriptor opened by its whole path.
    init(_ path: String) {
        parent = nil
        name = path
    }

    /// A child `name` (no slashes) of the directory opened at `parent`.
    init(_ name: String, in parent: OpenedPath) {
        self.parent = parent
        self.name = name
    }

    /// The whole path, joined.
    var path: String {
        guard let parent else { return name }
        let directory = parent.path
        return directory.utf8.last == UInt8(ascii: "/") ? directory + name : directory + "/" + name
    }
}

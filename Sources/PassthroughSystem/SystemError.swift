import Glibc

/// A failed system call: which call, on which path, and the errno it set.
///
/// Its description reads like swift-nio's file system errors:
/// `mknod /var/lib/lxc/ct/lxc-passthrough/dev0: Operation not permitted (EPERM)`.
public struct SystemError: Error, Equatable, CustomStringConvertible, Sendable {
    public var call: String
    public var path: String
    public var errno: Int32

    public init(call: String, path: String, errno: Int32) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    public var description: String {
        "\(call) \(path): \(SystemError.text(for: errno))"
    }

    /// `strerror` text followed by the symbolic name, e.g. `No such file or directory (ENOENT)`.
    public static func text(for errno: Int32) -> String {
        let message = String(cString: strerror(errno))
        let name = name(of: errno)
        return name.isEmpty ? "\(message) (errno \(errno))" : message + " (" + name + ")"
    }

    /// The symbolic name of the errno values the hooks and the command meet;
    /// empty for others. A switch, not a dictionary: building the dictionary
    /// (and its type's metadata) was most of a pre-start's first error message.
    static func name(of errno: Int32) -> String {
        switch errno {
        case EPERM: "EPERM"
        case ENOENT: "ENOENT"
        case ESRCH: "ESRCH"
        case EINTR: "EINTR"
        case EIO: "EIO"
        case ENXIO: "ENXIO"
        case E2BIG: "E2BIG"
        case EBADF: "EBADF"
        case EAGAIN: "EAGAIN"
        case ENOMEM: "ENOMEM"
        case EACCES: "EACCES"
        case EFAULT: "EFAULT"
        case ENOTBLK: "ENOTBLK"
        case EBUSY: "EBUSY"
        case EEXIST: "EEXIST"
        case EXDEV: "EXDEV"
        case ENODEV: "ENODEV"
        case ENOTDIR: "ENOTDIR"
        case EISDIR: "EISDIR"
        case EINVAL: "EINVAL"
        case ENFILE: "ENFILE"
        case EMFILE: "EMFILE"
        case ETXTBSY: "ETXTBSY"
        case EFBIG: "EFBIG"
        case ENOSPC: "ENOSPC"
        case ESPIPE: "ESPIPE"
        case EROFS: "EROFS"
        case EMLINK: "EMLINK"
        case ERANGE: "ERANGE"
        case ENAMETOOLONG: "ENAMETOOLONG"
        case ENOSYS: "ENOSYS"
        case ENOTEMPTY: "ENOTEMPTY"
        case ELOOP: "ELOOP"
        case EOVERFLOW: "EOVERFLOW"
        case EOPNOTSUPP: "EOPNOTSUPP"
        case EDQUOT: "EDQUOT"
        case ESTALE: "ESTALE"
        default: ""
        }
    }
}

extension SystemError {
    /// Whether the path is not there (ENOENT, or ENOTDIR for a parent that is not a directory).
    public var isNotFound: Bool { errno == ENOENT || errno == ENOTDIR }

    /// "cannot find" when the path is not there, "cannot look up" for any
    /// other error (EACCES, ELOOP, EIO...), so that a message never says
    /// missing for a device that may be there.
    public var lookUpVerb: String { isNotFound ? "cannot find" : "cannot look up" }

    /// For a walk that follows no symlink: ` (a parent is a symlink or not a
    /// directory)` when that is what ELOOP or ENOTDIR means, else empty.
    public var walkHint: String {
        errno == ELOOP || errno == ENOTDIR ? " (a parent is a symlink or not a directory)" : ""
    }
}

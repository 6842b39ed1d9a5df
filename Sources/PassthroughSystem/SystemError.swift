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
        if let name = names[errno] { return "\(message) (\(name))" }
        return "\(message) (errno \(errno))"
    }

    static let names: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", ESRCH: "ESRCH", EINTR: "EINTR", EIO: "EIO",
        ENXIO: "ENXIO", E2BIG: "E2BIG", EBADF: "EBADF", EAGAIN: "EAGAIN", ENOMEM: "ENOMEM",
        EACCES: "EACCES", EFAULT: "EFAULT", ENOTBLK: "ENOTBLK", EBUSY: "EBUSY", EEXIST: "EEXIST",
        EXDEV: "EXDEV", ENODEV: "ENODEV", ENOTDIR: "ENOTDIR", EISDIR: "EISDIR", EINVAL: "EINVAL",
        ENFILE: "ENFILE", EMFILE: "EMFILE", ETXTBSY: "ETXTBSY", EFBIG: "EFBIG", ENOSPC: "ENOSPC",
        ESPIPE: "ESPIPE", EROFS: "EROFS", EMLINK: "EMLINK", ERANGE: "ERANGE",
        ENAMETOOLONG: "ENAMETOOLONG", ENOSYS: "ENOSYS", ENOTEMPTY: "ENOTEMPTY", ELOOP: "ELOOP",
        EOVERFLOW: "EOVERFLOW", EOPNOTSUPP: "EOPNOTSUPP", EDQUOT: "EDQUOT", ESTALE: "ESTALE",
    ]
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

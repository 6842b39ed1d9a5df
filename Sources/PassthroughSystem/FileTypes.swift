import Glibc
import PassthroughModel

extension DeviceType {
    /// The device type named by the file type bits of `st_mode`, or nil for other files.
    public init?(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFCHR: self = .character
        case S_IFBLK: self = .block
        default: return nil
        }
    }

    /// `S_IFCHR` or `S_IFBLK`, for `mknod`.
    public var fileType: mode_t { self == .character ? S_IFCHR : S_IFBLK }
}

/// A short name for the file type bits of `st_mode`, for messages.
public func fileTypeName(mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFDIR: return "a directory"
    case S_IFREG: return "a regular file"
    case S_IFLNK: return "a symbolic link"
    case S_IFIFO: return "a FIFO"
    case S_IFSOCK: return "a socket"
    case S_IFCHR: return "a character device"
    case S_IFBLK: return "a block device"
    default: return "an unknown file type"
    }
}

extension stat {
    /// The device number of a device node (`st_rdev`).
    public var deviceNumber: DeviceNumber { DeviceNumber(st_rdev) }

    /// Whether this is a node of device `type` `number`.
    public func isNode(of type: DeviceType, _ number: DeviceNumber) -> Bool {
        DeviceType(mode: st_mode) == type && deviceNumber == number
    }
}

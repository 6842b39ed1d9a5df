/// A Linux device number (`dev_t`), split and joined the way glibc's
/// `major`/`minor`/`makedev` macros do; Swift cannot import those macros.
public struct DeviceNumber: Hashable, Sendable, CustomStringConvertible {
    public var major: UInt32
    public var minor: UInt32

    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    public init(rawValue: UInt64) {
        major = UInt32((rawValue >> 8) & 0xfff) | UInt32((rawValue >> 32) & 0xffff_f000)
        minor = UInt32(rawValue & 0xff) | UInt32((rawValue >> 12) & 0xffff_ff00)
    }

    public var rawValue: UInt64 {
        let major = UInt64(self.major), minor = UInt64(self.minor)
        return ((major & 0xffff_f000) << 32) | ((major & 0xfff) << 8)
            | ((minor & 0xffff_ff00) << 12) | (minor & 0xff)
    }

    public var description: String { "\(major):\(minor)" }
}

/// Character or block device.
public enum DeviceType: String, Sendable, Hashable {
    case character = "c"
    case block = "b"

    /// The `S_IFCHR`/`S_IFBLK` bits of `st_mode`.
    public var fileTypeBits: UInt32 { self == .character ? 0o020000 : 0o060000 }

    /// The device type named by the file type bits of `st_mode`, or nil for other files.
    public init?(mode: UInt32) {
        switch mode & 0o170000 {
        case 0o020000: self = .character
        case 0o060000: self = .block
        default: return nil
        }
    }

    public var noun: String { self == .character ? "character device" : "block device" }
}

/// A short name for the file type bits of `st_mode`, for messages.
public func fileTypeName(mode: UInt32) -> String {
    switch mode & 0o170000 {
    case 0o040000: return "a directory"
    case 0o100000: return "a regular file"
    case 0o120000: return "a symbolic link"
    case 0o010000: return "a FIFO"
    case 0o140000: return "a socket"
    case 0o020000: return "a character device"
    case 0o060000: return "a block device"
    default: return "an unknown file type"
    }
}

import CLinuxShims

/// `O_PATH` for `open(2)`: a descriptor that only names a file. Swift's
/// Glibc module leaves it out (it sits behind `_GNU_SOURCE`); the value is
/// the C library's own, from CLinuxShims. The other flags used here
/// (`MNT_DETACH`, `UMOUNT_NOFOLLOW`, `AT_SYMLINK_NOFOLLOW`, the new mount
/// API's) come from Glibc itself, and `CLONE_NEWNS` from CNamespaceShims.
public var O_PATH: Int32 { shim_O_PATH }

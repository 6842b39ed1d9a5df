/// Linux constants that Glibc's Swift module does not export (they sit behind
/// `_GNU_SOURCE` or in headers it does not include). Values from the kernel's uapi.
public enum LinuxConstants {
    /// `LinuxConstants.openPath`: a descriptor that only names a file.
    public static let openPath: Int32 = 0o10000000
    /// `MNT_DETACH` for `umount2`.
    public static let unmountDetach: Int32 = 2
    /// `UMOUNT_NOFOLLOW` for `umount2`.
    public static let unmountNoFollow: Int32 = 8
}

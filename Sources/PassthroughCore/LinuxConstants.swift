/// Linux constants that Glibc's Swift module does not export (they sit behind
/// `_GNU_SOURCE` or in headers it does not include). Values from the kernel's uapi.
public enum LinuxConstants {
    /// `LinuxConstants.openPath`: a descriptor that only names a file.
    public static let openPath: Int32 = 0o10000000
    /// `MNT_DETACH` for `umount2`.
    public static let unmountDetach: Int32 = 2
    /// `UMOUNT_NOFOLLOW` for `umount2`.
    public static let unmountNoFollow: Int32 = 8

    // The new mount API (linux/mount.h).
    /// `FSOPEN_CLOEXEC`.
    static let fsopenCloseOnExec: UInt32 = 1
    /// `FSCONFIG_SET_STRING`.
    static let fsconfigSetString: UInt32 = 1
    /// `FSCONFIG_CMD_CREATE`.
    static let fsconfigCreate: UInt32 = 6
    /// `FSMOUNT_CLOEXEC`.
    static let fsmountCloseOnExec: UInt32 = 1
    /// `MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC`.
    static let mountAttributesNoSetuidNoExec: UInt32 = 0x2 | 0x8
    /// `OPEN_TREE_CLONE`.
    static let openTreeClone: UInt32 = 1
    /// `AT_SYMLINK_NOFOLLOW`.
    static let atSymlinkNoFollow: UInt32 = 0x100
    /// `AT_EMPTY_PATH`.
    static let atEmptyPath: UInt32 = 0x1000
    /// `MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH`.
    static let moveMountBothEmptyPaths: UInt32 = 0x4 | 0x40
    /// `CLONE_NEWNS` for `setns`.
    static let cloneNewMountNamespace: Int32 = 0x20000
}

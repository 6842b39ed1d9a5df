import CNamespaceShims

/// This thread's file system ids: whose files it makes, and as whom it is checked.
public enum FileSystemIDs {
    /// Runs `body` with this thread's file system ids set to `uid`/`gid`
    /// (`setfsuid(2)`, `setfsgid(2)`), so that files it creates belong to
    /// them. For a non-zero id the kernel drops the file capabilities meanwhile.
    public static func with<T: ~Copyable, E: Error>(uid: UInt32, gid: UInt32, _ body: () throws(E) -> T) throws(E) -> T {
        guard uid != 0 || gid != 0 else { return try body() }
        let oldGID = shim_setfsgid(gid)
        let oldUID = shim_setfsuid(uid)
        defer {
            _ = shim_setfsuid(UInt32(bitPattern: oldUID))
            _ = shim_setfsgid(UInt32(bitPattern: oldGID))
        }
        return try body()
    }
}

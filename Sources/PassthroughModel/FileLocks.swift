/// `/proc/locks`: which processes hold a lock on a file. Pure.
public enum FileLocks {
    /// The pids holding a lock on the file with this device number and inode
    /// (lines such as `1: FLOCK  ADVISORY  WRITE 1234 fe:00:253853 0 EOF`;
    /// a `->` line is a process waiting for a lock, not holding one).
    public static func holders(in text: String, device: DeviceNumber, inode: UInt64) -> [Int32] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count >= 6, fields[1] != "->", let pid = Int32(fields[4]) else { return nil }
            let file = fields[5].split(separator: ":")
            guard file.count == 3, UInt32(file[0], radix: 16) == device.major, UInt32(file[1], radix: 16) == device.minor,
                  UInt64(file[2]) == inode
            else { return nil }
            return pid
        }
    }
}

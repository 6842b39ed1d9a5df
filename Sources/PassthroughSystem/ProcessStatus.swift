import Glibc
import PassthroughModel

/// What /proc/PID/stat says of a process: its parent and when it started.
public struct ProcessStatus: Equatable, Sendable {
    public var parent: Int32
    /// When it started, in nanoseconds since boot (CLOCK_BOOTTIME), to the
    /// kernel's clock tick.
    public var startedAt: UInt64

    /// Reads /proc/PID/stat (`self` for this process).
    public static func read(_ pid: String) throws(SystemError) -> ProcessStatus {
        let path = "/proc/\(pid)/stat"
        let bytes = try FileSystem.readFile(path, limit: 4096)
        // The command, in parentheses, may hold spaces and parentheses: fields follow the last ')'.
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { throw SystemError(call: "read", path: path, errno: EINVAL) }
        // State is field 3 of the file, the first here; ppid 4; starttime 22.
        var fields = BlankSeparatedFields(bytes[(close + 1)...])
        _ = fields.next()
        let parentField = fields.next()
        for _ in 2..<19 { _ = fields.next() }
        guard let parent = parentField?.decimalUInt32.flatMap(Int32.init(exactly:)), let ticks = fields.next()?.decimalUInt64 else {
            throw SystemError(call: "read", path: path, errno: EINVAL)
        }
        let perSecond = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        return ProcessStatus(parent: parent, startedAt: ticks * (1_000_000_000 / perSecond))
    }

    /// Now, in nanoseconds since boot (`clock_gettime(CLOCK_BOOTTIME)`).
    public static func bootTime() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_BOOTTIME, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// The name a process gave itself (`/proc/PID/comm`), as it wrote it: escape it to show it.
    public static func command(_ pid: Int32) -> String? {
        guard let bytes = try? FileSystem.readFile("/proc/\(pid)/comm", limit: 4096) else { return nil }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
    }
}

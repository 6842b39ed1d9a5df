import CLinuxShims
import Glibc

extension FileDescriptor {
    /// `pidfd_open(2)`: a descriptor that refers to process `pid` for as long
    /// as it is held, even if the pid is reused.
    public static func process(_ pid: Int32) throws(SystemError) -> FileDescriptor {
        let fd = shim_pidfd_open(pid, 0)
        guard fd >= 0 else { throw SystemError(call: "pidfd_open", path: "pid \(pid)", errno: errno) }
        return FileDescriptor(rawValue: fd, path: "pid \(pid)")
    }

    /// `pidfd_getfd(2)` on a process descriptor: a duplicate of the process's
    /// descriptor `target`, sharing its file offset.
    public func duplicate(processDescriptor target: Int32, describedAs name: String) throws(SystemError) -> FileDescriptor {
        let fd = shim_pidfd_getfd(rawValue, target, 0)
        guard fd >= 0 else { throw SystemError(call: "pidfd_getfd", path: name, errno: errno) }
        return FileDescriptor(rawValue: fd, path: name)
    }
}

extension FileDescriptor {
    /// The pid of the process a process descriptor refers to, from
    /// `/proc/self/fdinfo/N` (`Pid:`); nil once that process has exited.
    public func processID() throws(SystemError) -> Int32? {
        let bytes = try FileSystem.readFile("/proc/self/fdinfo/\(rawValue)", limit: 4096)
        for line in bytes.split(separator: UInt8(ascii: "\n")) where line.starts(with: "Pid:".utf8) {
            let field = line.dropFirst(4).drop(while: { $0 == 0x20 || $0 == 0x09 })
            // -1 once the process is gone.
            let negative = field.first == UInt8(ascii: "-")
            guard let pid = field.dropFirst(negative ? 1 : 0).decimalUInt32 else { break }
            return negative || pid == 0 ? nil : Int32(exactly: pid)
        }
        throw SystemError(call: "read", path: "/proc/self/fdinfo/\(rawValue) (no Pid: line: not a process descriptor)", errno: EINVAL)
    }

    /// Whether the process a process descriptor refers to has exited (its
    /// descriptor is readable then): one `poll(2)`, no file read.
    public var processHasExited: Bool {
        var ready = pollfd(fd: rawValue, events: Int16(POLLIN), revents: 0)
        while true {
            let count = poll(&ready, 1, 0)
            if count < 0 && errno == EINTR { continue }
            // A descriptor poll cannot look at is not known to be alive.
            return count != 0
        }
    }
}

/// Calls on this process itself.
public enum ThisProcess {
    /// `prctl(PR_SET_PDEATHSIG, SIGKILL)`: killed when its parent ends.
    public static func dieWithParent() { _ = shim_die_with_parent() }
}

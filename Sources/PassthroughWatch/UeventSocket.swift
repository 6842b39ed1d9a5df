import CWatchShims
import Glibc
import PassthroughModel
import PassthroughSystem

/// A `NETLINK_KOBJECT_UEVENT` socket bound to the kernel's multicast group:
/// the kernel's word that a device came or went. Only messages the kernel
/// itself sent (port id 0) are read; each is only a hint to look again.
struct UeventSocket: ~Copyable {
    let descriptor: FileDescriptor

    /// `socket(AF_NETLINK, SOCK_DGRAM, NETLINK_KOBJECT_UEVENT)`, a receive
    /// buffer big enough for a storm of events, and `bind(2)` to group 1.
    init() throws(SystemError) {
        let flags = Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let fd = socket(AF_NETLINK, flags, NETLINK_KOBJECT_UEVENT)
        guard fd >= 0 else { throw SystemError(call: "socket", path: "NETLINK_KOBJECT_UEVENT", errno: errno) }
        let descriptor = FileDescriptor(rawValue: fd, path: "uevent socket")
        var size: Int32 = 8 << 20
        // SO_RCVBUFFORCE passes rmem_max (root); the plain one is the fallback.
        if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size)) != 0 {
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        address.nl_groups = shim_uevent_kernel_group
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size)) }
        }
        guard bound == 0 else { throw SystemError(call: "bind", path: "NETLINK_KOBJECT_UEVENT group 1", errno: errno) }
        self.descriptor = descriptor
    }

    /// What was read: the events, and whether some were lost (`ENOBUFS`:
    /// the buffer overflowed, so everything must be looked at again).
    struct Batch {
        var events: [Uevent] = []
        var lost = false
    }

    /// `recvfrom(2)` until nothing is queued.
    func drain() throws(SystemError) -> Batch {
        var batch = Batch()
        var buffer = [UInt8](repeating: 0, count: Uevent.maximumLength + 1)
        while true {
            var sender = sockaddr_nl()
            var length = socklen_t(MemoryLayout<sockaddr_nl>.size)
            let count = descriptor.withUnsafeNumber { fd in
                buffer.withUnsafeMutableBytes { bytes in
                    withUnsafeMutablePointer(to: &sender) { address in
                        address.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                            retryingOnInterrupt { recvfrom(fd, bytes.baseAddress, bytes.count, 0, generic, &length) }
                        }
                    }
                }
            }
            if count < 0 {
                switch errno {
                case EAGAIN: return batch
                case ENOBUFS: batch.lost = true; continue
                default: throw SystemError(call: "recvfrom", path: "uevent socket", errno: errno)
                }
            }
            // Port id 0 is the kernel; anything else is a process in this network namespace.
            guard sender.nl_pid == 0, let event = Uevent.parse(buffer.prefix(count)) else { continue }
            batch.events.append(event)
        }
    }
}

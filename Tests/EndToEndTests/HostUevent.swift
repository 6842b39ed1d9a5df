import Glibc

/// A uevent sent by this process (root) to the kernel's uevent socket of the
/// host's network namespace, which passes it on to every listener there as
/// its own (port 0), as it does a container root's in its namespace: what
/// the watcher hears when a stand-in USB device is plugged or pulled out.
/// Only a hint to the watcher, which reads sysfs; nothing else on this
/// machine listens (no udevd), and the stand-in's paths name no real device.
enum HostUevent {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// `ACTION@DEVPATH`, then `ACTION`, `DEVPATH`, and `fields` in order.
    static func send(_ action: String, _ devicePath: String, _ fields: [(String, String)]) throws {
        var body = Array("\(action)@\(devicePath)".utf8) + [0]
        for (key, value) in [("ACTION", action), ("DEVPATH", devicePath)] + fields { body += Array("\(key)=\(value)".utf8) + [0] }
        // NETLINK_KOBJECT_UEVENT is 15 (linux/netlink.h, which Glibc's module does not bring).
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 15)
        guard fd >= 0 else { throw Failure(description: "socket(NETLINK_KOBJECT_UEVENT): errno \(errno)") }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // struct nlmsghdr: length, type (NLMSG_MIN_TYPE), flags (NLM_F_REQUEST | NLM_F_ACK), sequence, port.
        var message: [UInt8] = []
        func add<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { message += $0 } }
        add(UInt32(16 + body.count)); add(UInt16(0x10)); add(UInt16(0x1 | 0x4)); add(UInt32(1)); add(UInt32(0))
        message += body
        // struct sockaddr_nl of the kernel (port 0, no group): family, padding, port, groups.
        var kernel = [UInt8](repeating: 0, count: 12)
        withUnsafeBytes(of: sa_family_t(AF_NETLINK)) { kernel.replaceSubrange(0..<2, with: $0) }
        let sent = message.withUnsafeBytes { bytes in
            kernel.withUnsafeBytes { address in
                sendto(fd, bytes.baseAddress, bytes.count, 0, address.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(address.count))
            }
        }
        guard sent == message.count else { throw Failure(description: "sendto: errno \(errno)") }
        var answer = [UInt8](repeating: 0, count: 256)
        let got = recv(fd, &answer, answer.count, 0)
        guard got >= 20 else { throw Failure(description: "no acknowledgement from the kernel: errno \(errno)") }
        let error = answer[16..<20].withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
        guard error == 0 else { throw Failure(description: "the kernel refused the uevent: errno \(-error)") }
    }
}

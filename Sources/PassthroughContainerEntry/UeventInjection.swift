import CNamespaceShims
import Glibc
import PassthroughModel
import PassthroughSystem

/// Telling a container of a node given or taken, as the kernel tells of a
/// device plugged in or out: a uevent sent into its network namespace. The
/// kernel sends its own events only into network namespaces that the
/// initial user namespace owns, so an unprivileged container's software
/// never hears of a device otherwise.
public enum UeventInjection {
    /// How long the kernel's acknowledgement of one message is waited for.
    public static let acknowledgementTimeout: Int32 = 100

    /// Whether the kernel's own uevents reach the network namespace of the
    /// process `pid` (a container's init, checked through its pidfd by the
    /// caller): when that namespace is owned by this process's user
    /// namespace (the host's), they do, and nothing is to be sent.
    public static func kernelEventsReach(pid: Int32) throws(SystemError) -> Bool {
        let owned = shim_network_namespace_is_owned_here(pid)
        guard owned >= 0 else { throw SystemError(call: "ioctl(NS_GET_USERNS)", path: "/proc/\(pid)/ns/net", errno: errno) }
        return owned == 1
    }

    /// Sends `message` into the network namespace of the process `pidfd`
    /// refers to, from its user namespace as its root (uid and gid 0 there,
    /// as libudev and libusb require of the kernel's messages), in a child
    /// process; listeners on `NETLINK_KOBJECT_UEVENT` group 1 there get it
    /// from port 0, the kernel's. The kernel refuses a namespace the
    /// container's user namespace does not own: never the host's.
    public static func send(_ message: UeventMessage, into pidfd: borrowing FileDescriptor, describedAs name: String) throws(InjectionError) {
        let body: [UInt8]
        do {
            body = try message.encoded()
        } catch {
            throw .message(error)
        }
        var step: UnsafePointer<CChar>?
        let sent = pidfd.withUnsafeNumber { number in
            body.withUnsafeBytes { shim_send_uevent(number, $0.baseAddress, UInt($0.count), acknowledgementTimeout, &step) }
        }
        guard sent == 0 else {
            throw .system(SystemError(call: step.map { String(cString: $0) } ?? "send", path: "the network namespace of \(name)", errno: errno))
        }
    }

    public enum InjectionError: Error, Equatable, CustomStringConvertible {
        case message(UeventMessage.Failure)
        case system(SystemError)

        public var description: String {
            switch self {
            case .message(let failure): return "\(failure)"
            case .system(let error): return "cannot send a uevent: \(error)"
            }
        }
    }
}

import CLXC
import Glibc
import PassthroughSystem

/// A container as liblxc knows it (`lxc_container_new`), for its cgroup's
/// device rules, set through LXC itself instead of spawning `lxc-cgroup`.
/// Whether it runs and which processes it is are never asked of liblxc: its
/// answers come from the command socket, which any local user can bind while
/// the container is stopped (see `ContainerProcesses`), and a command is
/// sent only once its recorded monitor is found to hold that socket.
///
/// Not copyable: it holds one reference, dropped (`lxc_container_put`) when
/// its owner is done with it.
public struct LXCContainer: ~Copyable {
    private let handle: UnsafeMutablePointer<lxc_container>
    public let name: String
    public let lxcPath: String

    /// `lxc_container_new(3)`: the container `name` under `lxcPath`.
    public init(name: String, lxcPath: String) throws(LXCError) {
        errno = 0
        guard let handle = lxc_container_new(name, lxcPath) else {
            throw LXCError(call: "lxc_container_new", container: name, errno: errno)
        }
        self.handle = handle
        self.name = name
        self.lxcPath = lxcPath
    }

    deinit { _ = lxc_container_put(handle) }

    /// `c->set_cgroup_item(c, key, value)`: on cgroup v1 LXC writes the
    /// container's cgroup file; on cgroup v2 (`devices.allow`/`devices.deny`)
    /// its monitor updates the eBPF device program it owns.
    public func setCgroupItem(_ key: String, _ value: String) throws(LXCError) {
        errno = 0
        guard handle.pointee.set_cgroup_item(handle, key, value) else {
            throw LXCError(call: "set_cgroup_item", container: name, argument: "\(key) = \(value)", errno: errno)
        }
    }
}

/// A liblxc call that failed: the call, the container and, when liblxc left
/// one, the errno.
public struct LXCError: Error, Equatable, CustomStringConvertible, Sendable {
    public var call: String
    public var container: String?
    public var argument: String?
    public var errno: Int32

    public init(call: String, container: String?, argument: String? = nil, errno: Int32) {
        self.call = call
        self.container = container
        self.argument = argument
        self.errno = errno
    }

    public var description: String {
        var text = "liblxc \(call)"
        if let argument { text += "(\(argument))" }
        if let container { text += " for container '\(container)'" }
        text += " failed"
        if errno != 0 { text += ": \(SystemError.text(for: errno)) (errno \(errno))" }
        return text
    }
}

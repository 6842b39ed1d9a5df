import CLXC
import Glibc
import PassthroughSystem

/// A container as liblxc knows it (`lxc_container_new`): its state, its init
/// process and its cgroup's device rules, asked of LXC itself (through its
/// monitor's command socket) instead of spawning `lxc-info` or `lxc-cgroup`
/// for each. (Its id map is read from the kernel, `/proc/PID/uid_map`: what
/// applies, rather than what the monitor's config says.)
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

    /// `c->state(c)`: LXC's word for the container's state (`STOPPED`, `RUNNING`...).
    public var state: String {
        guard let text = handle.pointee.state(handle) else { return "UNKNOWN" }
        return String(cString: text)
    }

    /// `c->init_pid(c)`: its init's pid, nil when it has none.
    public var initPID: Int32? {
        let pid = handle.pointee.init_pid(handle)
        return pid > 0 ? pid : nil
    }

    /// `c->init_pidfd(c)`: a process descriptor for its init, from the
    /// monitor itself, so that no reused pid can be taken for it.
    public func initProcess() throws(LXCError) -> FileDescriptor {
        errno = 0
        let fd = handle.pointee.init_pidfd(handle)
        guard fd >= 0 else { throw LXCError(call: "init_pidfd", container: name, errno: errno) }
        return FileDescriptor(rawValue: fd, path: "container '\(name)''s init")
    }

    /// `c->set_cgroup_item(c, key, value)`: on cgroup v1 LXC writes the
    /// container's cgroup file; on cgroup v2 (`devices.allow`/`devices.deny`)
    /// its monitor updates the eBPF device program it owns.
    public func setCgroupItem(_ key: String, _ value: String) throws(LXCError) {
        errno = 0
        guard handle.pointee.set_cgroup_item(handle, key, value) else {
            throw LXCError(call: "set_cgroup_item", container: name, argument: "\(key) = \(value)", errno: errno)
        }
    }

    /// `list_all_containers(3)`: every container under `lxcPath`, defined or active.
    public static func allNames(in lxcPath: String) throws(LXCError) -> [String] {
        try names(list_all_containers, "list_all_containers", lxcPath)
    }

    private static func names(
        _ list: (UnsafePointer<CChar>?, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?,
                 UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<lxc_container>?>?>?) -> Int32,
        _ call: String, _ lxcPath: String
    ) throws(LXCError) -> [String] {
        var array: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        errno = 0
        let count = list(lxcPath, &array, nil)
        guard count >= 0 else { throw LXCError(call: call, container: nil, argument: lxcPath, errno: errno) }
        guard let array else { return [] }
        defer { free(array) }
        var names: [String] = []
        for index in 0..<Int(count) {
            guard let name = array[index] else { continue }
            names.append(String(cString: name))
            free(name)
        }
        return names.sorted()
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

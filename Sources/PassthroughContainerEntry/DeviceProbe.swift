import CNamespaceShims
import Glibc
import PassthroughModel
import PassthroughSystem

/// A device node inside a running container looked at and opened as the
/// container itself would open it (`lxc-passthrough doctor`): from a child
/// process put into the container's cgroup (so that its device rules, not the
/// host's, decide), looked up under its root with its root's file system ids
/// and no link followed, and opened read-only and non-blocking as its root
/// (in its user namespace when it has one), without reading anything. The
/// child is killed when it does not answer in time.
public enum DeviceProbe {
    /// The node found at the path, as the host sees it (host ids).
    public struct Node: Equatable, Sendable {
        public var mode: UInt32
        public var number: DeviceNumber
        public var uid: UInt32
        public var gid: UInt32

        public init(mode: UInt32, number: DeviceNumber, uid: UInt32, gid: UInt32) {
            self.mode = mode
            self.number = number
            self.uid = uid
            self.gid = gid
        }

        /// Its type when it is a device node.
        public var type: DeviceType? {
            switch mode & S_IFMT {
            case S_IFCHR: return .character
            case S_IFBLK: return .block
            default: return nil
            }
        }
    }

    public struct Outcome: Equatable, Sendable {
        /// The node at the path; nil when the lookup failed (`lookup`).
        public var node: Node?
        /// Why there is no node (the lookup's call, path and errno).
        public var lookup: SystemError?
        /// The open's outcome: nil when not tried (no device node there), 0 when it opened, else its errno.
        public var openErrno: Int32?
    }

    /// `path` (absolute in the container) under `root` (its `/`, from
    /// `/proc/PID/root`), from `cgroup` (the directory of its cgroup), as
    /// its root `rootIDs` (host ids), in the user namespace of the process
    /// `initPidfd` refers to when `joinUserNamespace` (an unprivileged
    /// container; a privileged one's root is the host's).
    public static func probe(
        _ path: String, under root: borrowing FileDescriptor, describedAs name: String, cgroup: borrowing FileDescriptor,
        rootIDs: (uid: UInt32, gid: UInt32), initPidfd: borrowing FileDescriptor, joinUserNamespace: Bool, timeoutMilliseconds: Int32 = 5000
    ) throws(SystemError) -> Outcome {
        var result = shim_probe_result()
        let status = root.withUnsafeNumber { rootNumber in
            cgroup.withUnsafeNumber { cgroupNumber in
                initPidfd.withUnsafeNumber { pidfd in
                    shim_probe_device(cgroupNumber, rootNumber, path, rootIDs.uid, rootIDs.gid, joinUserNamespace ? pidfd : -1, timeoutMilliseconds, &result)
                }
            }
        }
        let shown = name + path
        guard status == 0 else {
            let error = errno
            throw SystemError(call: error == ETIMEDOUT ? "open (given up after \(timeoutMilliseconds) ms)" : "fork (the probe)", path: shown, errno: error)
        }
        var outcome = Outcome()
        if result.looked != 0 {
            outcome.node = Node(
                mode: result.mode, number: DeviceNumber(major: result.major, minor: result.minor), uid: result.uid, gid: result.gid)
        }
        if result.step != 0 {
            let step = String(cString: shim_probe_step(result.step))
            let failure = SystemError(call: step, path: step.hasSuffix("cgroup.procs)") ? "the container's cgroup" : shown, errno: result.error)
            // A failure before the lookup is no answer about the node.
            guard result.step >= 5 else { throw failure }
            outcome.lookup = failure
        }
        if result.tried != 0 { outcome.openErrno = result.open_error }
        return outcome
    }
}

extension ConfinedFile {
    /// The names in the directory at `path` under `root`, opened as `read`
    /// opens a file (no `..` or symlink out of it, non-blocking); nil when
    /// there is no such directory.
    public static func directoryEntries(_ path: String, under root: borrowing FileDescriptor, describedAs name: String) throws(SystemError) -> [String]? {
        let shown = name + path
        let fd = root.withUnsafeNumber { shim_openat2_in_root($0, path, O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw SystemError(call: "openat2", path: shown, errno: errno)
        }
        return try FileDescriptor(rawValue: fd, path: shown).directoryEntries()
    }
}

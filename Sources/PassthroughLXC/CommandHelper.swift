import Glibc
import PassthroughSystem

/// liblxc's commands with a deadline. liblxc waits for a monitor's answer
/// with no time limit, and a monitor answers only from its main loop (not
/// while it runs a hook, say): a process that must never wait on a
/// container (the watcher) sends its commands through this helper, a child
/// process forked once that makes the liblxc calls, and waits for its answer
/// at most until the deadline. A helper that does not answer in time is
/// killed (SIGKILL ends a wait on a socket) and another is forked at the
/// next command.
///
/// The helper is forked from a single-threaded process, keeps only its end
/// of a socket pair (every other descriptor, the watcher's lock among them,
/// is closed), and dies with its parent (`PR_SET_PDEATHSIG`).
public final class CommandHelper {
    public let deadline: Int32
    private var child: pid_t = 0
    private var socket: Int32 = -1

    /// - Parameter milliseconds: how long a command may take.
    public init(deadline milliseconds: Int32) { deadline = milliseconds }

    deinit { stop() }

    /// Why a command did not go through.
    public enum Failure: Error, CustomStringConvertible {
        case lxc(LXCError)
        /// No answer within the deadline: the helper was killed.
        case timedOut(milliseconds: Int32)
        case helper(SystemError)

        public var description: String {
            switch self {
            case .lxc(let error): return "\(error)"
            case .timedOut(let milliseconds): return "LXC's monitor did not answer within \(milliseconds) ms (the command was abandoned)"
            case .helper(let error): return "the command helper failed: \(error)"
            }
        }
    }

    /// `set_cgroup_item` for container `name` under `lxcPath`, in the helper.
    public func setCgroupItem(container name: String, lxcPath: String, _ key: String, _ value: String) throws(Failure) {
        try start()
        var request: [UInt8] = []
        for field in [name, lxcPath, key, value] { request += Array(field.utf8) + [0] }
        let sent = request.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else {
            let error = SystemError(call: "send", path: "the command helper", errno: errno)
            stop()
            throw .helper(error)
        }
        guard Deadline(milliseconds: deadline).waitReadable(socket) else {
            stop()
            throw .timedOut(milliseconds: deadline)
        }
        var answer = [UInt8](repeating: 0, count: 4)
        let count = answer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard count == 4 else {
            let error = SystemError(call: "recv", path: "the command helper", errno: count < 0 ? errno : EPIPE)
            stop()
            throw .helper(error)
        }
        let code = answer.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) }
        if code != 0 {
            throw .lxc(LXCError(call: code == -1 ? "lxc_container_new" : "set_cgroup_item", container: name,
                                argument: code == -1 ? nil : "\(key) = \(value)", errno: code == -1 ? 0 : code == Int32.min ? 0 : code))
        }
    }

    /// Forks the helper when there is none.
    private func start() throws(Failure) {
        if child > 0 { return }
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw .helper(SystemError(call: "socketpair", path: "the command helper", errno: errno))
        }
        let parent = getpid()
        let pid = fork()
        guard pid >= 0 else {
            close(pair[0])
            close(pair[1])
            throw .helper(SystemError(call: "fork", path: "the command helper", errno: errno))
        }
        if pid == 0 {
            CommandHelper.serve(pair[1], parent: parent)
        }
        close(pair[1])
        child = pid
        socket = pair[0]
    }

    /// Kills the helper, if any, and waits for it.
    private func stop() {
        guard child > 0 else { return }
        kill(child, SIGKILL)
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        close(socket)
        child = 0
        socket = -1
    }

    /// The helper's loop: one request a message, one answer each (0, the
    /// errno liblxc left, `Int32.min` for a failure without one, -1 when the
    /// container's handle cannot be made). Never returns.
    private static func serve(_ socket: Int32, parent: pid_t) -> Never {
        ThisProcess.dieWithParent()
        if getppid() != parent { _exit(0) }
        // Only its end of the pair stays open: no lock or event descriptor of the parent's lives on in it.
        if let names = try? FileDescriptor.open("/proc/self/fd", flags: O_RDONLY | O_DIRECTORY).directoryEntries() {
            for name in names { if let fd = Int32(name), fd > 2, fd != socket { close(fd) } }
        }
        var handles: [String: LXCHandleBox] = [:]
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { _exit(0) }
            let fields = buffer[0..<count].split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            var code: Int32 = 0
            if fields.count >= 4 {
                let key = fields[1] + "/" + fields[0]
                if handles[key] == nil, let made = try? LXCContainer(name: fields[0], lxcPath: fields[1]) { handles[key] = LXCHandleBox(made) }
                if let box = handles[key] {
                    do throws(LXCError) {
                        try box.lxc.setCgroupItem(fields[2], fields[3])
                    } catch {
                        code = error.errno == 0 ? Int32.min : error.errno
                    }
                } else {
                    code = -1
                }
            } else {
                code = EINVAL
            }
            var answer = code
            _ = withUnsafeBytes(of: &answer) { send(socket, $0.baseAddress, 4, Int32(MSG_NOSIGNAL)) }
        }
    }
}

/// A liblxc handle kept by the helper.
private final class LXCHandleBox {
    let lxc: LXCContainer
    init(_ lxc: consuming LXCContainer) { self.lxc = lxc }
}

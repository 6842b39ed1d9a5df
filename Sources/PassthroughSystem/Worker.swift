import CLinuxShims
import Glibc

/// A child process that does, one request at a time, work that may wait on
/// what another party controls (a monitor's socket, a FUSE mount a
/// container made on the way to a path), while this process waits for each
/// answer at most until a deadline. One that does not answer in time is
/// killed (SIGKILL ends a wait on a socket or on FUSE) and another is forked
/// at the next request.
///
/// Forked once, not per request: a fork of this process costs more than the
/// work (its page tables are copied, and every page it writes while the
/// child lives is copied again). The child runs `handler`, which it has from
/// the fork: requests are bytes and descriptors (`SCM_RIGHTS`), never
/// closures, so what it does cannot depend on this process's memory after
/// the fork. It keeps only its end of a socket pair (every other descriptor,
/// a lock among them, is closed), and dies with its parent.
public final class Worker {
    /// What the child does with a request and the descriptors that came with
    /// it (its own to close: `FileDescriptor.adopting`); what it returns is the answer.
    public typealias Handler = (_ request: [UInt8], _ descriptors: [Int32]) -> [UInt8]

    public let deadline: Int32
    private let handler: Handler
    private let name: String
    private var child: pid_t = 0
    private var socket: Int32 = -1

    /// Requests and answers are at most this long.
    public static let largestMessage = 1 << 16
    /// At most this many descriptors go with a request.
    public static let mostDescriptors = 4

    /// - Parameters:
    ///   - name: what it is, for messages ("the command helper").
    ///   - milliseconds: how long a request may take.
    public init(_ name: String, deadline milliseconds: Int32, handler: @escaping Handler) {
        self.name = name
        deadline = milliseconds
        self.handler = handler
    }

    deinit { stop() }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// No answer within the deadline: the child was killed.
        case timedOut(milliseconds: Int32)
        case system(SystemError)

        public var description: String {
            switch self {
            case .timedOut(let milliseconds): return "no answer within \(milliseconds) ms: given up"
            case .system(let error): return "\(error)"
            }
        }
    }

    /// The child's answer to `request`, sent with `descriptors` (which stay this process's).
    public func call(_ request: [UInt8], passing descriptors: [Int32] = []) throws(Failure) -> [UInt8] {
        guard request.count <= Worker.largestMessage, descriptors.count <= Worker.mostDescriptors else {
            throw .system(SystemError(call: "sendmsg", path: name, errno: EMSGSIZE))
        }
        try start()
        let sent = request.withUnsafeBytes { bytes in
            descriptors.withUnsafeBufferPointer { shim_send_with_descriptors(socket, bytes.baseAddress, UInt(bytes.count), $0.baseAddress, Int32($0.count)) }
        }
        guard sent == request.count else {
            let error = SystemError(call: "sendmsg", path: name, errno: sent < 0 ? errno : EPIPE)
            stop()
            throw .system(error)
        }
        guard Deadline(milliseconds: deadline).waitReadable(socket) else {
            stop()
            throw .timedOut(milliseconds: deadline)
        }
        var answer = [UInt8](repeating: 0, count: Worker.largestMessage + 1)
        let count = answer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        guard count > 0, count <= Worker.largestMessage else {
            // Ended (no answer), or an answer too long: either way this child is done with.
            let error = SystemError(call: "recv", path: name, errno: count < 0 ? errno : count == 0 ? EPIPE : EMSGSIZE)
            stop()
            throw .system(error)
        }
        return Array(answer[0..<count])
    }

    /// Kills the child, if any, and waits for it.
    public func stop() {
        guard child > 0 else { return }
        kill(child, SIGKILL)
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        close(socket)
        child = 0
        socket = -1
    }

    /// Forks the child when there is none.
    private func start() throws(Failure) {
        if child > 0 { return }
        var pair: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
            throw .system(SystemError(call: "socketpair", path: name, errno: errno))
        }
        let parent = getpid()
        let pid = fork()
        guard pid >= 0 else {
            close(pair[0])
            close(pair[1])
            throw .system(SystemError(call: "fork", path: name, errno: errno))
        }
        if pid == 0 { serve(pair[1], parent: parent) }
        close(pair[1])
        child = pid
        socket = pair[0]
    }

    /// The child's loop: one request a message, one answer each. Never returns.
    private func serve(_ socket: Int32, parent: pid_t) -> Never {
        ThisProcess.dieWithParent()
        if getppid() != parent { _exit(0) }
        // Only its end of the pair stays open: no lock or event descriptor of the parent's lives on in it.
        if let names = try? FileDescriptor.open("/proc/self/fd", flags: O_RDONLY | O_DIRECTORY).directoryEntries() {
            for name in names { if let fd = Int32(name), fd > 2, fd != socket { close(fd) } }
        }
        var buffer = [UInt8](repeating: 0, count: Worker.largestMessage)
        var received = [Int32](repeating: -1, count: Worker.mostDescriptors)
        while true {
            var count: Int32 = 0
            var truncated: Int32 = 0
            let length = buffer.withUnsafeMutableBytes { bytes in
                received.withUnsafeMutableBufferPointer {
                    shim_receive_with_descriptors(socket, bytes.baseAddress, UInt(bytes.count), $0.baseAddress, Int32($0.count), &count, &truncated)
                }
            }
            if length < 0 && errno == EINTR { continue }
            guard length > 0, truncated == 0 else { _exit(0) }  // the parent is gone, or sent what was never asked for
            var answer = handler(Array(buffer[0..<length]), Array(received[0..<Int(count)]))
            if answer.isEmpty || answer.count > Worker.largestMessage { answer = [] }
            // An empty answer cannot be sent on a SOCK_SEQPACKET socket as one the parent tells from its end: so it is not sent.
            guard !answer.isEmpty else { _exit(1) }
            _ = answer.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }
}

import Glibc

/// Runs work that may wait on something another party controls (a FUSE
/// mount a container made on the way to a path, whose server never
/// answers) in a child process, and waits for it at most until a deadline:
/// then the child is killed (SIGKILL ends a wait on FUSE). The child is
/// forked from this single-threaded process, so it has this process's
/// descriptors and memory; it sends back what `body` returns and exits.
public enum WithinDeadline {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case timedOut(milliseconds: Int32)
        case system(SystemError)
        /// The child ended without an answer (a signal, a crash).
        case noAnswer(status: Int32)

        public var description: String {
            switch self {
            case .timedOut(let milliseconds): return "no answer within \(milliseconds) ms (a file system on the way does not answer?): given up"
            case .system(let error): return "\(error)"
            case .noAnswer(let status): return "the child doing it ended with no answer (wait status \(status))"
            }
        }
    }

    /// `body`'s bytes, computed in a child process within `milliseconds`.
    public static func run(milliseconds: Int32, _ body: () -> [UInt8]) throws(Failure) -> [UInt8] {
        var pipe: [Int32] = [-1, -1]
        guard Glibc.pipe(&pipe) == 0 else { throw .system(SystemError(call: "pipe2", path: "a child's answer", errno: errno)) }
        let parent = getpid()
        let child = fork()
        guard child >= 0 else {
            close(pipe[0])
            close(pipe[1])
            throw .system(SystemError(call: "fork", path: "a child with a deadline", errno: errno))
        }
        if child == 0 {
            close(pipe[0])
            ThisProcess.dieWithParent()
            if getppid() != parent { _exit(1) }
            let answer = body()
            _ = FileDescriptor.writeAll(answer, to: pipe[1])
            // Closed now, not by _exit: an exiting process frees its memory before its
            // descriptors, and the parent would wait that long for the end of the answer.
            close(pipe[1])
            _exit(0)
        }
        close(pipe[1])
        _ = fcntl(pipe[0], F_SETFD, FD_CLOEXEC)
        defer { close(pipe[0]) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Deadline(milliseconds: milliseconds)
        while true {
            guard deadline.waitReadable(pipe[0]) else {
                kill(child, SIGKILL)
                reap(child)
                throw .timedOut(milliseconds: milliseconds)
            }
            let read = buffer.withUnsafeMutableBytes { Glibc.read(pipe[0], $0.baseAddress, $0.count) }
            if read < 0 && errno == EINTR { continue }
            if read <= 0 { break }
            bytes += buffer[0..<read]
        }
        // The answer is whole; the child is reaped once it is gone (now, or at a later run): not waited for.
        reapExited()
        var status: Int32 = 0
        let reaped = waitpid(child, &status, WNOHANG)
        if reaped == 0 {
            exiting.append(child)
        } else if reaped == child, status != 0 {
            throw .noAnswer(status: status)
        }
        guard bytes.first != nil else { throw .noAnswer(status: status) }
        return bytes
    }

    /// Children that sent their answer and were still exiting.
    nonisolated(unsafe) private static var exiting: [pid_t] = []

    private static func reapExited() {
        exiting.removeAll { child in
            var status: Int32 = 0
            return waitpid(child, &status, WNOHANG) != 0
        }
    }

    @discardableResult
    private static func reap(_ child: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        return status
    }
}

/// A moment some milliseconds from now (CLOCK_MONOTONIC), for waits that must end by then.
public struct Deadline {
    private let end: Int64

    public init(milliseconds: Int32) { end = Deadline.now() + Int64(milliseconds) * 1_000_000 }

    /// Waits until `fd` is readable (or at its end); false once the deadline has passed.
    public func waitReadable(_ fd: Int32) -> Bool {
        while true {
            let left = max(0, (end - Deadline.now() + 999_999) / 1_000_000)
            var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let count = poll(&ready, 1, Int32(clamping: left))
            if count < 0 && errno == EINTR { continue }
            return count > 0
        }
    }

    private static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
    }
}

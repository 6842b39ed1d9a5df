import Glibc
import PassthroughSystem

/// A program run to completion with its output captured (`posix_spawnp(3)`,
/// `poll(2)`, `waitpid(2)`); for LXC's own tools, which print little.
public struct Subprocess: Sendable {
    public var status: Int32
    public var output: String
    public var error: String

    public var succeeded: Bool { status == 0 }

    /// Runs `arguments[0]` (searched in PATH) with this process's environment.
    public static func run(_ arguments: [String]) throws(SystemError) -> Subprocess {
        precondition(!arguments.isEmpty)
        var outputPipe: [Int32] = [-1, -1], errorPipe: [Int32] = [-1, -1]
        guard pipe(&outputPipe) == 0 else { throw SystemError(call: "pipe", path: arguments[0], errno: errno) }
        guard pipe(&errorPipe) == 0 else {
            let error = errno
            close(outputPipe[0]); close(outputPipe[1])
            throw SystemError(call: "pipe", path: arguments[0], errno: error)
        }
        // Only the dup2'd copies reach the program.
        for fd in outputPipe + errorPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outputPipe[1], STDOUT_FILENO)
        posix_spawn_file_actions_adddup2(&actions, errorPipe[1], STDERR_FILENO)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, &argv, environ)
        close(outputPipe[1]); close(errorPipe[1])
        defer { close(outputPipe[0]); close(errorPipe[0]) }
        guard spawned == 0 else { throw SystemError(call: "posix_spawnp", path: arguments[0], errno: spawned) }

        var captured: [[UInt8]] = [[], []]
        var open = [outputPipe[0], errorPipe[0]]
        var buffer = [UInt8](repeating: 0, count: 4096)
        while open.contains(where: { $0 >= 0 }) {
            var polled = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if retryingOnInterrupt({ poll(&polled, nfds_t(polled.count), -1) }) < 0 { break }
            for index in polled.indices where polled[index].fd >= 0 && polled[index].revents != 0 {
                let count = buffer.withUnsafeMutableBytes { raw in
                    retryingOnInterrupt { read(polled[index].fd, raw.baseAddress!, raw.count) }
                }
                if count > 0 { captured[index].append(contentsOf: buffer[..<count]) } else { open[index] = -1 }
            }
        }
        var waitStatus: Int32 = 0
        guard retryingOnInterrupt({ waitpid(pid, &waitStatus, 0) }) == pid else {
            throw SystemError(call: "waitpid", path: arguments[0], errno: errno)
        }
        // WIFEXITED / WEXITSTATUS, which Swift cannot import (macros); a signal gives 128 + its number.
        let status = waitStatus & 0x7f == 0 ? (waitStatus >> 8) & 0xff : 128 + (waitStatus & 0x7f)
        return Subprocess(
            status: status, output: String(decoding: captured[0], as: UTF8.self), error: String(decoding: captured[1], as: UTF8.self))
    }
}

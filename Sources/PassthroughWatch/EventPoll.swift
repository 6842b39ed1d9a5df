import CWatchShims
import Glibc
import PassthroughSystem

/// `epoll(7)`: one wait for every source the watcher follows. Each source is
/// added with a token that says which it is.
struct EventPoll: ~Copyable {
    let descriptor: FileDescriptor

    /// `epoll_create1(EPOLL_CLOEXEC)`.
    init() throws(SystemError) {
        let fd = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard fd >= 0 else { throw SystemError(call: "epoll_create1", path: "epoll", errno: errno) }
        descriptor = FileDescriptor(rawValue: fd, path: "epoll")
    }

    /// `epoll_ctl(EPOLL_CTL_ADD)`: wakes `wait` when `source` is readable.
    func add(_ source: borrowing FileDescriptor, token: UInt64) throws(SystemError) {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = token
        let result = descriptor.withUnsafeNumber { poll in
            source.withUnsafeNumber { number in epoll_ctl(poll, EPOLL_CTL_ADD, number, &event) }
        }
        guard result == 0 else { throw SystemError(call: "epoll_ctl", path: source.path, errno: errno) }
    }

    /// `epoll_wait(2)`: the tokens of the sources that are readable, waiting
    /// for one at most `timeout` ms (-1: with no timeout; 0: not at all).
    /// Retried on EINTR.
    func wait(timeout: Int32 = -1) throws(SystemError) -> [UInt64] {
        var events = [epoll_event](repeating: epoll_event(), count: 16)
        let count = descriptor.withUnsafeNumber { poll in
            retryingOnInterrupt { epoll_wait(poll, &events, Int32(events.count), timeout) }
        }
        guard count >= 0 else { throw SystemError(call: "epoll_wait", path: "epoll", errno: errno) }
        return events.prefix(Int(count)).map { $0.data.u64 }
    }
}

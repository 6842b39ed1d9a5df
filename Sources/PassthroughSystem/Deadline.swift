import Glibc

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

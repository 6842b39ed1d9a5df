import CWatchShims
import Glibc
import PassthroughSystem

/// `signalfd(2)` for SIGTERM and SIGINT, blocked for the process, so that
/// a stop request is one more event in the loop, never an interrupted step.
struct StopSignals: ~Copyable {
    let descriptor: FileDescriptor

    init() throws(SystemError) {
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGTERM)
        sigaddset(&mask, SIGINT)
        guard sigprocmask(SIG_BLOCK, &mask, nil) == 0 else { throw SystemError(call: "sigprocmask", path: "SIGTERM, SIGINT", errno: errno) }
        let fd = signalfd(-1, &mask, Int32(SFD_CLOEXEC | SFD_NONBLOCK))
        guard fd >= 0 else { throw SystemError(call: "signalfd", path: "SIGTERM, SIGINT", errno: errno) }
        descriptor = FileDescriptor(rawValue: fd, path: "signalfd")
    }

    /// The signal received, if one is queued.
    func take() -> Int32? {
        var info = signalfd_siginfo()
        let count = descriptor.withUnsafeNumber { fd in
            retryingOnInterrupt { read(fd, &info, MemoryLayout<signalfd_siginfo>.size) }
        }
        return count == MemoryLayout<signalfd_siginfo>.size ? Int32(info.ssi_signo) : nil
    }
}

/// `timerfd_create(CLOCK_MONOTONIC)`: one wake-up to look again, armed only
/// while a container is starting (nothing wakes the watcher while idle).
struct OneShotTimer: ~Copyable {
    let descriptor: FileDescriptor
    private(set) var armed = false

    init() throws(SystemError) {
        let fd = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_CLOEXEC | TFD_NONBLOCK))
        guard fd >= 0 else { throw SystemError(call: "timerfd_create", path: "CLOCK_MONOTONIC", errno: errno) }
        descriptor = FileDescriptor(rawValue: fd, path: "timerfd")
    }

    /// `timerfd_settime(2)`: fires once, `nanoseconds` from now, unless already armed.
    mutating func arm(in nanoseconds: Int) throws(SystemError) {
        guard !armed else { return }
        var value = itimerspec()
        value.it_value.tv_sec = nanoseconds / 1_000_000_000
        value.it_value.tv_nsec = nanoseconds % 1_000_000_000
        let result = descriptor.withUnsafeNumber { timerfd_settime($0, 0, &value, nil) }
        guard result == 0 else { throw SystemError(call: "timerfd_settime", path: "timerfd", errno: errno) }
        armed = true
    }

    /// Reads the expiry, if it fired.
    mutating func take() -> Bool {
        var expirations: UInt64 = 0
        let count = descriptor.withUnsafeNumber { fd in retryingOnInterrupt { read(fd, &expirations, 8) } }
        guard count == 8 else { return false }
        armed = false
        return true
    }
}

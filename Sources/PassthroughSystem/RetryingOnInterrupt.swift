import Glibc

/// Runs `body` again while it fails with EINTR; the one place that retries.
@inlinable
public func retryingOnInterrupt<T: BinaryInteger>(_ body: () -> T) -> T {
    while true {
        let result = body()
        if result == -1 && errno == EINTR { continue }
        return result
    }
}

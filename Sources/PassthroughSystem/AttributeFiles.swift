import Glibc

extension FileDescriptor {
    /// The content of the attribute file `name` in this sysfs directory, at
    /// most `limit` bytes (EFBIG beyond); nil when there is none. Opened
    /// without following a symlink and without blocking.
    public func readAttribute(_ name: String, limit: Int = SysfsRoot.attributeLimit) throws(SystemError) -> [UInt8]? {
        guard let file = try openIfPresent(name, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK) else { return nil }
        return try file.readSmall(limit: limit)
    }

    /// `read(2)` to the end of a small file (a sysfs attribute holds at most
    /// a page) into one buffer of `limit` + 1 bytes, on the stack when the
    /// stack has room, rather than `readAll`'s 64 KiB chunk: a file longer
    /// than `limit` bytes is an EFBIG error. Only the bytes read are copied out.
    public func readSmall(limit: Int) throws(SystemError) -> [UInt8] {
        // One byte more than the limit: a file that fills it is longer than allowed.
        let outcome = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: limit + 1) { buffer -> (bytes: [UInt8], errno: Int32?) in
            var filled = 0
            while filled < buffer.count {
                let count = retryingOnInterrupt { Glibc.read(rawValue, buffer.baseAddress! + filled, buffer.count - filled) }
                guard count >= 0 else { return ([], errno) }
                if count == 0 { return (Array(buffer[..<filled]), nil) }
                filled += count
            }
            return ([], EFBIG)
        }
        if let failure = outcome.errno { throw SystemError(call: "read", path: path, errno: failure) }
        return outcome.bytes
    }
}

import Glibc

extension FileDescriptor {
    /// The content of the attribute file `name` in this sysfs directory, at
    /// most `limit` bytes (EFBIG beyond); nil when there is none. Opened
    /// without following a symlink and without blocking.
    public func readAttribute(_ name: String, limit: Int = SysfsRoot.attributeLimit) throws(SystemError) -> [UInt8]? {
        guard let file = try openIfPresent(name, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK) else { return nil }
        return try file.readAll(limit: limit)
    }
}

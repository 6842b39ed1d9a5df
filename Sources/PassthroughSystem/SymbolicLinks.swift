import Glibc

extension FileDescriptor {
    /// `readlinkat(2)`: the target of the symbolic link `name` in this
    /// directory, as text (the link is read, never followed). A target of
    /// 4096 bytes or more is ENAMETOOLONG.
    public func linkTarget(_ name: String) throws(SystemError) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlinkat(rawValue, name, &buffer, buffer.count)
        guard count >= 0 else { throw SystemError(call: "readlinkat", path: child(name), errno: errno) }
        guard count < buffer.count else { throw SystemError(call: "readlinkat", path: child(name), errno: ENAMETOOLONG) }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

import Glibc

extension FileDescriptor {
    /// The abstract name (without its leading NUL) this descriptor's socket
    /// listens on, when it is a listening unix socket with an abstract name;
    /// nil for anything else (`getsockopt(SO_ACCEPTCONN)`, `getsockname`).
    public func listeningAbstractName() -> [UInt8]? {
        withUnsafeNumber { fd -> [UInt8]? in
            var listening: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0, listening == 1 else { return nil }
            var address = sockaddr_un()
            var length = socklen_t(MemoryLayout<sockaddr_un>.size)
            let got = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
            guard got == 0, address.sun_family == sa_family_t(AF_UNIX), Int(length) > pathOffset + 1 else { return nil }
            return withUnsafeBytes(of: &address.sun_path) { path -> [UInt8]? in
                guard path[0] == 0 else { return nil }
                return Array(path[1..<(Int(length) - pathOffset)])
            }
        }
    }
}

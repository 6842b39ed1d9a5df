/// Rules for device paths.
public enum DevicePath {
    /// `/dev/serial/by-id/x` as (`["serial", "by-id"]`, `"x"`): the directories
    /// below `/dev` and the name. For validated, normalized paths.
    public static func split(_ path: String) -> (directories: [String], name: String) {
        var components = path.utf8.split(separator: UInt8(ascii: "/")).map { String(Substring($0)) }
        precondition(components.first == "dev" && components.count >= 2, "a validated path below /dev")
        components.removeFirst()
        let name = components.removeLast()
        return (components, name)
    }

    /// Why `path` is not acceptable as a device path, or nil when it is.
    public static func problem(_ path: String) -> String? {
        let bytes = Array(path.utf8)
        guard bytes.starts(with: "/dev/") else { return "it must start with /dev/" }
        if bytes.contains(0) { return "it contains a NUL byte" }
        var components = 0
        for component in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if component.equals(".") || component.equals("..") { return "it must not contain a '.' or '..' component" }
            components += 1
        }
        if components < 2 { return "it names no device below /dev/" }
        if bytes.count >= 4096 { return "it is longer than PATH_MAX (4096 bytes)" }
        return nil
    }

    /// `path` with empty components removed: `/dev//a/` becomes `/dev/a`.
    public static func normalized(_ path: String) -> String {
        var previous: UInt8 = 0
        let clean = path.utf8.last != UInt8(ascii: "/") && path.utf8.allSatisfy { byte in
            defer { previous = byte }
            return !(byte == UInt8(ascii: "/") && previous == UInt8(ascii: "/"))
        }
        if clean { return path }
        return "/" + path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
            .map { String(Substring($0)) }.joined(separator: "/")
    }
}

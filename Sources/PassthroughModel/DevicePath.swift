/// Rules for device paths.
public enum DevicePath {
    /// `/dev/serial/by-id/x` as (`["serial", "by-id"]`, `"x"`): the directories
    /// below `/dev` and the name. For validated, normalized paths.
    ///
    /// Scanned byte by byte (here and in `problem`): the generic
    /// `split(separator:)` and its arrays of slices cost autodev several
    /// thousand instructions per device.
    public static func split(_ path: String) -> (directories: [String], name: String) {
        var components: [String] = []
        var path = path
        path.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                guard bytes[start] != UInt8(ascii: "/") else {
                    start += 1
                    continue
                }
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "/") { end += 1 }
                components.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                start = end
            }
        }
        precondition(components.count >= 2 && components[0] == "dev", "a validated path below /dev")
        components.removeFirst()
        let name = components.removeLast()
        return (components, name)
    }

    /// `/a/b/c` as (`["a", "b"]`, `"c"`): the directories from `/` and the
    /// name; nil for `/`, a relative path, or one with a `.` or `..`
    /// component (such as a mount point a container chose).
    public static func splitAbsolute(_ path: String) -> (directories: [String], name: String)? {
        guard path.utf8.first == UInt8(ascii: "/") else { return nil }
        var components = path.utf8.split(separator: UInt8(ascii: "/")).map { String(Substring($0)) }
        guard let name = components.popLast(), !(components + [name]).contains(where: { $0 == "." || $0 == ".." }) else { return nil }
        return (components, name)
    }

    /// Why `path` is not acceptable as a device path, or nil when it is.
    public static func problem(_ path: String) -> String? {
        switch issue(path) {
        case .none: return nil
        case .outsideDev: return "it must start with /dev/"
        case .nulByte: return "it contains a NUL byte"
        case .dotComponent: return "it must not contain a '.' or '..' component"
        case .noDevice: return "it names no device below /dev/"
        case .tooLong: return "it is longer than PATH_MAX (4096 bytes)"
        }
    }

    private enum Issue {
        case none, outsideDev, nulByte, dotComponent, noDevice, tooLong
    }

    /// What `problem` says, found in one pass over the bytes.
    private static func issue(_ path: String) -> Issue {
        var path = path
        return path.withUTF8 { bytes -> Issue in
            let prefix: StaticString = "/dev/"
            guard bytes.count >= prefix.utf8CodeUnitCount else { return .outsideDev }
            for offset in 0..<prefix.utf8CodeUnitCount where bytes[offset] != prefix.utf8Start[offset] { return .outsideDev }
            if bytes.contains(0) { return .nulByte }
            var components = 0
            var start = 0
            while start < bytes.count {
                guard bytes[start] != UInt8(ascii: "/") else {
                    start += 1
                    continue
                }
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "/") { end += 1 }
                let length = end - start
                if bytes[start] == UInt8(ascii: ".") && (length == 1 || (length == 2 && bytes[start + 1] == UInt8(ascii: "."))) {
                    return .dotComponent
                }
                components += 1
                start = end
            }
            if components < 2 { return .noDevice }
            if bytes.count >= 4096 { return .tooLong }
            return .none
        }
    }

    /// Why a value given on the command line cannot go into a config line: a
    /// control character (a newline would start another line, an entry of its
    /// own). Nil when it has none.
    public static func controlCharacterProblem(_ value: String) -> String? {
        guard let byte = value.utf8.first(where: { $0 < 0x20 || $0 == 0x7f }) else { return nil }
        return "'\(OctalEscape.escapeForTerminal(value))' holds a control character (\(OctalEscape.escapeForTerminal(String(UnicodeScalar(byte)))))"
            + ": refused, it would break the config line it goes into"
    }

    /// The directories of `/dev/disk` whose names come from what is written
    /// on the disk itself (its file system's label and UUID, its partition
    /// table's names and UUIDs).
    public static let diskMetadataDirectories = ["by-label", "by-uuid", "by-partlabel", "by-partuuid"]

    /// A warning for a path named by what a disk says of itself: whoever can
    /// write to a disk (a container it is passed to) can give it the name of
    /// another. Nil for other paths.
    public static func metadataNameWarning(_ path: String) -> String? {
        let components = normalized(path).split(separator: "/")
        guard components.count >= 4, components[0] == "dev", components[1] == "disk",
              diskMetadataDirectories.contains(String(components[2]))
        else { return nil }
        return "\(path) is named by what is written on a disk (/dev/disk/\(components[2])): a container that can write to a disk "
            + "can give it this name and be handed it; name the device by /dev/disk/by-id or /dev/disk/by-path"
    }

    /// `path` with empty components removed: `/dev//a/` becomes `/dev/a`.
    public static func normalized(_ path: String) -> String {
        // On the contiguous bytes: iterating `utf8` cost thousands of
        // instructions for a /dev/serial/by-id path, for each device at each start.
        var contiguous = path
        let clean = contiguous.withUTF8 { bytes in
            guard bytes.last != UInt8(ascii: "/") else { return false }
            var previous: UInt8 = 0
            for byte in bytes {
                if byte == UInt8(ascii: "/") && previous == UInt8(ascii: "/") { return false }
                previous = byte
            }
            return true
        }
        if clean { return path }
        return "/" + path.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
            .map { String(Substring($0)) }.joined(separator: "/")
    }
}

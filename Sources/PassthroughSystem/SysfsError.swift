import PassthroughModel

/// Why a USB device or its nodes could not be read from sysfs: a failed
/// call, or what a file says that is not what the kernel writes, with the
/// path of the directory or file concerned.
public enum SysfsError: Error, Equatable, CustomStringConvertible, Sendable {
    case system(SystemError)
    /// A device's attributes (`path`: its directory).
    case device(path: String, USBDevice.Failure)
    /// A node's `dev`, `uevent` or `subsystem` (`path`: its directory).
    case node(path: String, SysfsNode.Failure)
    /// A walk that went past its limits (`path`: where it stopped).
    case walkLimit(path: String, limit: String)
    /// The device's directory holds another device than the one read before
    /// (unplugged, and another plugged in at that port).
    case changed(path: String, expected: DeviceNumber, found: DeviceNumber?)

    /// The path of the file or directory concerned.
    public var path: String {
        switch self {
        case .system(let error): return error.path
        case .device(let path, let failure): return failure.attribute.map { path + "/" + $0 } ?? path
        case .node(let path, _), .walkLimit(let path, _), .changed(let path, _, _): return path
        }
    }

    public var description: String {
        switch self {
        case .system(let error): return error.description
        case .device(let path, let failure):
            // The attribute failures begin with the attribute's name.
            return failure.attribute == nil ? "\(path): \(failure)" : "\(path)/\(failure)"
        case .node(let path, let failure):
            // But for a mismatch, the failures begin with the file's name.
            if case .numberMismatch = failure { return "\(path): \(failure)" }
            return "\(path)/\(failure)"
        case .walkLimit(let path, let limit): return "\(path): \(limit)"
        case .changed(let path, let expected, let found):
            return "\(path): another device is there now (\(found.map { "dev \($0)" } ?? "no dev"), not \(expected))"
        }
    }
}

import Foundation
import Glibc

/// Host files a test makes under /dev, removed afterwards. The hooks only read
/// host device nodes; these give tests devices at paths no other program uses.
final class HostDevices {
    let root: String

    init() throws {
        root = "/dev/lxcpt-e2e-\(UInt32.random(in: 0...0xffffff))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    /// A character node with the numbers of /dev/zero (1:5).
    @discardableResult
    func zero(_ relative: String) throws -> String {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard mknod(path, S_IFCHR | 0o666, dev_t((1 << 8) | 5)) == 0 else { throw Container.Failure("mknod \(path): errno \(errno)") }
        return path
    }

    func symlink(_ relative: String, to target: String) throws -> String {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
        return path
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }
}

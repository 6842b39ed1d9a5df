import Glibc
@testable import PassthroughAdmin
import PassthroughSystem

/// A container directory of its own under /tmp, with a config file.
final class ScratchContainer {
    let lxcPath: String
    var container: ManagedContainer { ManagedContainer(name: "ct", lxcPath: lxcPath) }
    var configPath: String { container.configPath }

    init(config: String) throws {
        var template = Array("/tmp/lxcpt-live-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw SystemError(call: "mkdtemp", path: "/tmp/lxcpt-live-XXXXXX", errno: errno)
        }
        lxcPath = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        mkdir(lxcPath + "/ct", 0o700)
        try write(config)
    }

    func write(_ text: String) throws {
        let file = try FileDescriptor.open(configPath, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o640)
        try file.writeAll(Array(text.utf8))
    }

    /// Makes the next config write fail: a directory where the command writes its temporary file.
    func blockConfigWrites() {
        mkdir(lxcPath + "/ct/.config.lxc-passthrough.\(getpid())", 0o700)
    }

    var config: String { String(decoding: (try? FileSystem.readFile(configPath, limit: 1 << 20)) ?? [], as: UTF8.self) }

    deinit {
        rmdir(lxcPath + "/ct/.config.lxc-passthrough.\(getpid())")
        unlink(configPath)
        rmdir(lxcPath + "/ct")
        rmdir(lxcPath)
    }
}

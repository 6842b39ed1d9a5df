import Glibc
import PassthroughModel
import PassthroughSystem
import Testing

@Suite("device nodes found under a directory", .enabled(if: geteuid() == 0, "needs root: makes device nodes with mknod"))
struct DeviceNodesTests {
    /// A fresh directory under /tmp, removed with everything in it when `body` returns.
    func inScratchDirectory(_ body: (String) throws -> Void) throws {
        var template = Array("/tmp/lxcpt-nodes-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        let directory = try #require(made.map { String(cString: $0) })
        defer { _ = system("rm -rf '\(directory)'") }
        try body(directory)
    }

    @Test func nodesAreFoundInRealDirectoriesAndNoLinkIsFollowed() throws {
        try inScratchDirectory { (top: String) throws in
            #expect(mkdir(top + "/dri", 0o755) == 0 && mkdir(top + "/dri/sub", 0o755) == 0 && mkdir(top + "/elsewhere", 0o755) == 0)
            #expect(mknod(top + "/dri/renderD128", S_IFCHR | 0o600, 0) == 0)
            #expect(mknod(top + "/dri/card0", S_IFCHR | 0o600, 0) == 0)
            #expect(mknod(top + "/dri/sub/loop9", S_IFBLK | 0o600, 0) == 0)
            #expect(mknod(top + "/elsewhere/hidden", S_IFCHR | 0o600, 0) == 0)
            #expect(symlink("../card0", top + "/dri/sub/link-to-node") == 0)
            #expect(symlink("../elsewhere", top + "/dri/link-to-directory") == 0)
            #expect(creat(top + "/dri/plain-file", 0o600) >= 0)
            #expect(try DeviceNodes.all(under: top + "/dri") == [top + "/dri/card0", top + "/dri/renderD128", top + "/dri/sub/loop9"])
            #expect(try DeviceNodes.all(under: top + "/dri/") == [top + "/dri/card0", top + "/dri/renderD128", top + "/dri/sub/loop9"])
            #expect(symlink("elsewhere", top + "/linked") == 0)
            #expect(throws: SystemError(call: "open", path: top + "/linked", errno: ENOTDIR)) { try DeviceNodes.all(under: top + "/linked") }
        }
    }

    @Test func gpuNodesAreFoundByTheirNamesAmongCharacterNodes() throws {
        try inScratchDirectory { (top: String) throws in
            #expect(try DeviceNodes.gpus(devices: top).isEmpty, "no dri, no nvidia-caps: no GPU")
            #expect(mkdir(top + "/dri", 0o755) == 0 && mkdir(top + "/nvidia-caps", 0o755) == 0)
            #expect(mknod(top + "/dri/renderD128", S_IFCHR | 0o600, 0) == 0)
            #expect(mknod(top + "/dri/card0", S_IFBLK | 0o600, 0) == 0, "a block node is no GPU")
            #expect(mknod(top + "/nvidiactl", S_IFCHR | 0o600, 0) == 0)
            #expect(symlink("nvidiactl", top + "/nvidia0") == 0)
            #expect(mknod(top + "/nvidia-caps/nvidia-cap1", S_IFCHR | 0o600, 0) == 0)
            #expect(try DeviceNodes.gpus(devices: top).map(\.path) == [
                top + "/dri/renderD128", top + "/nvidiactl", top + "/nvidia-uvm", top + "/nvidia-uvm-tools", top + "/nvidia-caps/nvidia-cap1",
            ])
        }
    }
}

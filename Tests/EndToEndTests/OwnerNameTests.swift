import Foundation
import Glibc
import Testing

extension EndToEndTests {
    @Suite("owners by name, looked up in the container's own /etc/passwd and /etc/group",
           .enabled(if: EndToEnd.canRunContainers && EndToEnd.hasCommand, "needs root, lxc, busybox-static, the hooks and lxc-passthrough installed"))
    struct OwnerNameTests {
        /// Ids no Debian host gives these names.
        static let renderGID = 4992, userUID = 4107

        func addAccounts(_ ct: Container) throws {
            let etc = ct.directory + "/rootfs/etc"
            for (file, line) in [("group", "render:x:\(Self.renderGID):\n"), ("passwd", "jellyfin:x:\(Self.userUID):\(Self.renderGID)::/:/bin/false\n")] {
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: etc + "/" + file))
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(line.utf8))
                try handle.close()
            }
        }

        @Test("add (stopped: its directory rootfs) and attach (running: its root) write the container's ids for the names, and say so",
              arguments: ContainerKind.runnable)
        func namesFromTheContainer(kind: ContainerKind) throws {
            let first = try LoopDevice(), second = try LoopDevice()
            defer { first.remove(); second.remove() }
            try withContainer("names", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                try addAccounts(ct)
                let added = passthrough("add", ct.name, first.device, "--uid", "jellyfin", "--gid", "render")
                try #require(added.succeeded, "\(added)")
                #expect(added.output.contains("uid jellyfin is \(Self.userUID) in the container"), "\(added.output)")
                #expect(added.output.contains("gid render is \(Self.renderGID) in the container"), "\(added.output)")
                let config = try String(contentsOfFile: ct.configPath, encoding: .utf8)
                #expect(config.contains("dev0: \(first.device),uid=\(Self.userUID),gid=\(Self.renderGID)\n"), "numbers in the entry: \(config)")
                let unknown = passthrough("add", ct.name, second.device, "--gid", "plugdev")
                #expect(!unknown.succeeded && unknown.error.contains("no group 'plugdev'") && unknown.error.contains("/rootfs/etc/group"), "\(unknown)")

                try #require(ct.start().succeeded, "\(ct.log)")
                let minor = Int(first.device.dropFirst("/dev/loop".count))!
                #expect(ct.describe(first.device) == expected("block special file", 7, minor, mode: "660", uid: Self.userUID, gid: Self.renderGID))
                let attached = passthrough("attach", ct.name, second.device, "--gid", "render", "--temporary")
                try #require(attached.succeeded, "\(attached)")
                #expect(attached.output.contains("gid render is \(Self.renderGID) in the container"), "\(attached.output)")
                let secondMinor = Int(second.device.dropFirst("/dev/loop".count))!
                #expect(ct.describe(second.device) == expected("block special file", 7, secondMinor, mode: "660", uid: 0, gid: Self.renderGID))
            }
        }

        @Test("a hostile /etc/group (a symlink to a host file, a FIFO, a huge file, a directory) is refused, never read outside the rootfs, never waited on",
              .timeLimit(.minutes(2)), arguments: ["symlink", "relative", "fifo", "huge", "directory"])
        func hostileGroupFile(kind: String) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            let secret = "/tmp/lxcpt-e2e-secret-\(UInt32.random(in: 0...0xffffff))"
            try "render:x:4242:\n".write(toFile: secret, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: secret) }
            try withContainer("hostile", unprivileged: EndToEnd.canRunUnprivileged) { ct in
                let group = ct.directory + "/rootfs/etc/group"
                try FileManager.default.removeItem(atPath: group)
                switch kind {
                case "symlink": try FileManager.default.createSymbolicLink(atPath: group, withDestinationPath: secret)
                case "relative": try FileManager.default.createSymbolicLink(atPath: group, withDestinationPath: "../../../../../../.." + secret)
                case "fifo": #expect(mkfifo(group, 0o644) == 0)
                case "huge": #expect(FileManager.default.createFile(atPath: group, contents: nil) && truncate(group, 2 << 30) == 0, "a sparse 2 GiB file")
                default: try FileManager.default.createDirectory(atPath: group, withIntermediateDirectories: false)
                }
                let refused = passthrough("add", ct.name, loop.device, "--gid", "render")
                #expect(!refused.succeeded && refused.error.contains("/etc/group"), "\(refused)")
                let config = try String(contentsOfFile: ct.configPath, encoding: .utf8)
                #expect(!config.contains("4242") && !config.contains("dev0:"), "nothing written, nothing read from the host's file")
            }
        }
    }
}

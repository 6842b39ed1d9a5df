import Foundation
import Glibc
import Testing

extension EndToEndTests {
    @Suite("symlinks planted by a container's mapped root",
           .enabled(if: EndToEnd.canRunUnprivileged, EndToEnd.skipReasonUnprivileged))
    struct SymlinkSafetyTests {
        /// What must not change in a directory: its own metadata and its entries'.
        func snapshot(_ path: String) throws -> [String] {
            let entries = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
            var lines: [String] = []
            for name in [""] + entries {
                var info = stat()
                lstat(path + "/" + name, &info)
                lines.append("\(name) \(info.st_mode) \(info.st_uid) \(info.st_gid) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)")
            }
            return lines
        }

        @Test("NAME/lxc-passthrough -> /etc: the link is removed, never followed, and the start works")
        func passthroughDirectoryLinkedToEtc() throws {
            try withHostDevices { host in
                let node = try host.zero("ttyS9")
                try withContainer("plant", unprivileged: true) { ct in
                    try ct.append("dev0: \(node),uid=1000")
                    // What the container's mapped root (uid 100000, owner of the directory) could do.
                    let link = ct.directory + "/lxc-passthrough"
                    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/etc")
                    lchown(link, 100000, 100000)
                    let before = try snapshot("/etc")
                    let started = ct.start()
                    try #require(started.succeeded, "\(started)\n\(ct.log)")
                    #expect(ct.describe(node) == expected("character special file", 1, 5, mode: "660", uid: 1000, gid: 0))
                    #expect(try snapshot("/etc") == before, "/etc unchanged")
                    #expect(ct.monitorPassthroughMounts().count == 1)
                    let mountinfo = try String(contentsOfFile: "/proc/\(try #require(ct.monitorPID))/mountinfo", encoding: .utf8)
                    #expect(!mountinfo.split(separator: "\n").contains { $0.split(separator: " ").dropFirst(4).first == "/etc" },
                            "nothing mounted on /etc in the monitor")
                    ct.stop()
                    #expect(try snapshot("/etc") == before)
                }
            }
        }
    }
}

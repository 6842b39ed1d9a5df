import Foundation
import Glibc
import Testing

extension EndToEndTests {
    @Suite("optional devices (required=0) and a path of their own in the container (mp=)",
           .enabled(if: EndToEnd.canRunContainers && EndToEnd.hasCommand, "needs root, lxc, busybox-static, the hooks and lxc-passthrough installed"))
    struct OptionalDeviceTests {
        @Test("mp= puts the node at its own path; an absent optional entry does not stop the start, and the log says it is pending",
              arguments: ContainerKind.runnable)
        func mountPathAndPending(kind: ContainerKind) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withHostDevices { host in
                let absent = host.root + "/serial/by-id/usb-not-plugged-in"
                try withContainer("optional", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                    let added = passthrough("add", ct.name, loop.device, "--mp", "/dev/disk0", "--mode", "0600")
                    try #require(added.succeeded, "\(added)")
                    let refused = passthrough("add", ct.name, absent)
                    #expect(!refused.succeeded && refused.error.contains(absent), "a required entry needs its device: \(refused)")
                    let optional = passthrough("add", ct.name, absent, "--required=0", "--mp", "/dev/later")
                    try #require(optional.succeeded, "\(optional)")
                    let config = try String(contentsOfFile: ct.configPath, encoding: .utf8)
                    #expect(config.contains("dev0: \(loop.device),mode=0600,mp=/dev/disk0\n"))
                    #expect(config.contains("dev1: \(absent),required=0,mp=/dev/later\n"))
                    let check = passthrough("check", ct.name)
                    #expect(check.succeeded && !check.error.contains("Proxmox"), "pending is not a problem, and this is no Proxmox host: \(check)")
                    let listed = passthrough("list", ct.name, "--json")
                    #expect(listed.output.contains("\"mp\": \"/dev/disk0\", \"status\": \"ready\""), "\(listed.output)")
                    #expect(listed.output.contains("\"required\": false, \"mp\": \"/dev/later\", \"status\": \"pending\""), "\(listed.output)")

                    let started = ct.start()
                    try #require(started.succeeded, "start failed: \(started)\n\(ct.log)")
                    let (major, minor) = try loop.numbers()
                    #expect(ct.describe("/dev/disk0") == expected("block special file", Int(major), Int(minor), mode: "600", uid: 0, gid: 0))
                    #expect(!ct.attach("[ -e \(loop.device) ]").succeeded, "nothing at the host path")
                    #expect(!ct.attach("[ -e /dev/later ]").succeeded, "the absent device is not there")
                    let write = ct.attach("printf mp-\(ct.name) | dd of=/dev/disk0 conv=notrunc 2>&1 && sync")
                    #expect(write.succeeded, "\(write)")
                    #expect(loop.imagePrefix(3 + ct.name.utf8.count) == "mp-\(ct.name)")
                    let warning = ct.log.split(separator: "\n").first { $0.contains("WARN") && $0.contains("dev1 (\(absent))") }
                    #expect(warning?.contains("pending") == true, "a WARN line in the container's log: \(ct.log)")
                }
            }
        }
    }
}

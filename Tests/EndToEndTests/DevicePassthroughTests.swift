import Foundation
import Glibc
import Testing

extension EndToEndTests {
@Suite("devices in real containers", .enabled(if: EndToEnd.canRunContainers, EndToEnd.skipReason))
struct DevicePassthroughTests {
    static let kinds: [Bool] = EndToEnd.canRunUnprivileged ? [false, true] : [false]

    @Test("a character device appears with the mode and owner asked for, and works", arguments: kinds)
    func characterDevice(unprivileged: Bool) throws {
        try withHostDevices { host in
            let node = try host.zero("ttyTEST0")
            let before = try FileManager.default.attributesOfItem(atPath: node)
            try withContainer("chr", unprivileged: unprivileged) { ct in
                try ct.append("dev0: \(node),mode=0640,uid=1000,gid=20")
                let started = ct.start()
                try #require(started.succeeded, "start failed: \(started)\n\(ct.log)")
                #expect(ct.describe(node) == expected("character special file", 1, 5, mode: "640", uid: 1000, gid: 20))
                #expect(ct.attach("head -c 4 \(node) | od -An -tx1").output.trimmingCharacters(in: .whitespacesAndNewlines) == "00 00 00 00")
                // Written to by root inside the container: /dev/zero accepts writes.
                #expect(ct.attach("echo x > \(node)").succeeded)
            }
            let after = try FileManager.default.attributesOfItem(atPath: node)
            #expect(before[.posixPermissions] as? Int == after[.posixPermissions] as? Int, "the host node's mode is unchanged")
            #expect(after[.ownerAccountID] as? Int == 0 && after[.groupOwnerAccountID] as? Int == 0, "the host node's owner is unchanged")
        }
    }

    @Test("a loop device written inside the container holds the data on the host", arguments: kinds)
    func loopDevice(unprivileged: Bool) throws {
        let loop = try LoopDevice()
        defer { loop.remove() }
        try withContainer("loop", unprivileged: unprivileged) { ct in
            try ct.append("dev0: \(loop.device),mode=0600")
            let started = ct.start()
            try #require(started.succeeded, "start failed: \(started)\n\(ct.log)")
            let minor = Int(loop.device.dropFirst("/dev/loop".count)) ?? -1
            #expect(ct.describe(loop.device) == expected("block special file", 7, minor, mode: "600", uid: 0, gid: 0))
            let message = "written-in-\(ct.name)"
            let write = ct.attach("printf '\(message)' | dd of=\(loop.device) conv=notrunc 2>&1 && sync")
            #expect(write.succeeded, "\(write)")
            #expect(loop.imagePrefix(message.utf8.count) == message)
        }
    }

    @Test("a symlinked path such as /dev/serial/by-id/... appears at that path as a device node")
    func symlinkedPath() throws {
        try withHostDevices { host in
            try host.zero("ttyUSB9")
            let link = try host.symlink("serial/by-id/usb-FTDI_FT232R_USB_UART_A50285BI-if00-port0", to: "../../ttyUSB9")
            try withContainer("link", unprivileged: false) { ct in
                try ct.append("dev0: \(link),uid=7")
                let started = ct.start()
                try #require(started.succeeded, "start failed: \(started)\n\(ct.log)")
                #expect(ct.attach("[ -c '\(link)' ] && [ ! -L '\(link)' ]").succeeded, "a character device, not a link")
                #expect(ct.describe(link) == expected("character special file", 1, 5, mode: "660", uid: 7, gid: 0))
            }
        }
    }

    @Test("a path with spaces is passed through, not dropped", arguments: kinds)
    func pathWithSpaces(unprivileged: Bool) throws {
        try withHostDevices { host in
            let node = try host.zero("my dir/serial port 1")
            try withContainer("space", unprivileged: unprivileged) { ct in
                try ct.append("dev3: \(node),gid=5")
                let started = ct.start()
                try #require(started.succeeded, "start failed: \(started)\n\(ct.log)")
                #expect(ct.describe(node) == expected("character special file", 1, 5, mode: "660", uid: 0, gid: 5))
            }
        }
    }

    @Test("the containers run on the cgroup hierarchy this run claims",
          .enabled(if: EndToEnd.claimedCgroup != nil, "PASSTHROUGH_E2E_CGROUP is not set (test.sh sets it)"))
    func cgroupLayout() throws {
        let loop = try LoopDevice()
        defer { loop.remove() }
        try withContainer("cgroup", unprivileged: false) { ct in
            try ct.append("dev0: \(loop.device)")
            try #require(ct.start().succeeded, "\(ct.log)")
            #expect(ct.attach("dd if=\(loop.device) of=/dev/null bs=512 count=1").succeeded)
            let pid = try #require(ct.initPID)
            let membership = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
            let devicesLine = membership.split(separator: "\n").first { $0.split(separator: ":").dropFirst().first == "devices" }
            let unifiedLine = membership.split(separator: "\n").first { $0.hasPrefix("0::") }
            let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
            switch EndToEnd.claimedCgroup {
            case "v1":
                // LXC put the container in a devices cgroup of its own on the v1 hierarchy.
                #expect(devicesLine?.contains("lxc.payload.\(ct.name)") == true, "\(membership)")
            case "v2":
                #expect(mounts.split(separator: "\n").contains { $0.contains(" /sys/fs/cgroup ") && $0.contains(" - cgroup2 ") },
                        "/sys/fs/cgroup is cgroup2")
                #expect(unifiedLine?.contains("lxc.payload.\(ct.name)") == true, "\(membership)")
                #expect(devicesLine == nil || devicesLine?.hasSuffix(":/") == true, "no v1 devices cgroup: \(membership)")
            default:
                Issue.record("PASSTHROUGH_E2E_CGROUP must be v1 or v2, not \(EndToEnd.claimedCgroup ?? "")")
            }
        }
    }

    @Test("256 devices with 255-byte paths all appear", arguments: kinds)
    func manyLongPaths(unprivileged: Bool) throws {
        try withHostDevices { host in
            try host.zero("ttyUSB0")
            var paths: [String] = []
            try withContainer("many", unprivileged: unprivileged) { ct in
                for index in 0...255 {
                    let prefix = "serial/by-id/usb-\(index)-FTDI_FT232R_USB_UART_"
                    let padding = 255 - (host.root.utf8.count + 1 + prefix.utf8.count)
                    let path = try host.symlink(prefix + String(repeating: "A", count: padding), to: "../../ttyUSB0")
                    #expect(path.utf8.count == 255)
                    paths.append(path)
                    try ct.append("dev\(index): \(path),uid=\(index)")
                }
                let started = ct.start()
                try #require(started.succeeded, "start failed: \(started)\n\(ct.log)")
                let count = ct.attach("ls '\(host.root)/serial/by-id' | wc -l").output.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(count == "256")
                let owners = ct.attach("stat -c '%u' '\(host.root)'/serial/by-id/* | sort -n | uniq | wc -l").output.trimmingCharacters(in: .whitespacesAndNewlines)
                #expect(owners == "256", "each node has its own owner")
                #expect(ct.describe(paths[255]) == expected("character special file", 1, 5, mode: "660", uid: 255, gid: 0))
            }
        }
    }

    @Test("hook version 1 (arguments in the environment) works")
    func hookVersion1() throws {
        try withHostDevices { host in
            let node = try host.zero("v1")
            try withContainer("v1", unprivileged: false, include: false) { ct in
                try ct.append("lxc.hook.version = 1", "lxc.include = \(EndToEnd.configInclude)", "dev0: \(node)")
                let started = ct.start()
                try #require(started.succeeded, "start failed: \(started)\n\(ct.log)")
                #expect(ct.attach("[ -c '\(node)' ]").succeeded)
            }
        }
    }

    @Test("a container with no devN lines starts as if the hooks were not there")
    func noDevices() throws {
        try withContainer("none", unprivileged: false) { ct in
            let started = ct.start()
            try #require(started.succeeded, "start failed: \(started)\n\(ct.log)")
            #expect(ct.attach("echo ok > /dev/null && [ -c /dev/zero ]").succeeded)
            #expect(!FileManager.default.fileExists(atPath: ct.directory + "/lxc-passthrough"))
            #expect(ct.monitorPassthroughMounts().isEmpty)
        }
    }

    @Test("on a Proxmox VE host the devN lines come from /etc/pve/lxc/NAME.conf",
          .enabled(if: !FileManager.default.fileExists(atPath: "/etc/pve"), "this host has /etc/pve: not touching a real Proxmox config"))
    func proxmoxConfig() throws {
        try withHostDevices { host in
            let node = try host.zero("pve0")
            try withContainer("pve", unprivileged: false) { ct in
                try FileManager.default.createDirectory(atPath: "/etc/pve/lxc", withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: "/etc/pve") }
                try "arch: amd64\ndev0: \(node),mode=0604\n[snapshot]\ndev1: /dev/does-not-matter\n"
                    .write(toFile: "/etc/pve/lxc/\(ct.name).conf", atomically: true, encoding: .utf8)
                let started = ct.start()
                try #require(started.succeeded, "start failed: \(started)\n\(ct.log)")
                #expect(ct.describe(node) == expected("character special file", 1, 5, mode: "604", uid: 0, gid: 0))
            }
        }
    }
}
}

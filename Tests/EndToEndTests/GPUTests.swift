import Foundation
import Glibc
import Testing

/// GPU nodes planted in the host's /dev, as a driver would make them (no
/// driver is needed to pass a node), removed afterwards.
final class PlantedGPU {
    static let paths = ["/dev/dri/card0", "/dev/dri/renderD128", "/dev/nvidia0", "/dev/nvidiactl", "/dev/nvidia-caps/nvidia-cap1"]
    static let lazy = "/dev/nvidia-uvm"
    static var hostHasNone: Bool {
        !FileManager.default.fileExists(atPath: "/dev/dri")
            && !((try? FileManager.default.contentsOfDirectory(atPath: "/dev")) ?? []).contains { $0.hasPrefix("nvidia") }
    }

    init() throws {
        for directory in ["/dev/dri", "/dev/dri/by-path", "/dev/nvidia-caps"] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        for (path, major, minor) in [("/dev/dri/card0", 226, 0), ("/dev/dri/renderD128", 226, 128), ("/dev/nvidia0", 195, 0),
                                     ("/dev/nvidiactl", 195, 255), ("/dev/nvidia-caps/nvidia-cap1", 237, 1)] {
            try Self.makeNode(path, major, minor)
        }
        // udev's links: not followed, so not a second entry.
        try FileManager.default.createSymbolicLink(atPath: "/dev/dri/by-path/pci-0000:00:02.0-render", withDestinationPath: "../renderD128")
    }

    /// Made later, as NVIDIA's driver makes nvidia-uvm on first use: with
    /// the numbers of /dev/loop-control, which LXC's common.conf does not
    /// allow, so that opening it in the container proves its rule was given.
    func makeLazyNode() throws { try Self.makeNode(Self.lazy, 10, 237) }

    static func makeNode(_ path: String, _ major: Int, _ minor: Int) throws {
        guard mknod(path, S_IFCHR | 0o600, dev_t((major << 8) | minor)) == 0 else { throw Container.Failure("mknod \(path): errno \(errno)") }
    }

    func remove() {
        for path in ["/dev/dri", "/dev/nvidia-caps", "/dev/nvidia0", "/dev/nvidiactl", Self.lazy] {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}

extension EndToEndTests {
    @Suite("add --gpu and add of a directory",
           .enabled(if: EndToEnd.canRunContainers && EndToEnd.hasCommand, "needs root, lxc, busybox-static, the hooks and lxc-passthrough installed"),
           .enabled(if: PlantedGPU.hostHasNone, "needs a host without GPU nodes: the tests plant their own in /dev"))
    struct GPUTests {
        /// Ids no Debian host gives these groups.
        static let videoGID = 4044, renderGID = 4992

        func addGroups(_ ct: Container) throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: ct.directory + "/rootfs/etc/group"))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("video:x:\(Self.videoGID):\nrender:x:\(Self.renderGID):\n".utf8))
            try handle.close()
        }

        @Test("with no GPU on the host, --gpu is a clear error and writes nothing")
        func noGPU() throws {
            try withContainer("nogpu", unprivileged: false) { ct in
                let before = ct.configText
                let refused = passthrough("add", ct.name, "--gpu")
                #expect(refused.status == 1 && refused.error.contains("this host has no GPU") && refused.error.contains("nothing written"), "\(refused)")
                #expect(ct.configText == before)
            }
        }

        @Test("--gpu: groups by the container's own names, NVIDIA's nodes 0666, nvidia-uvm optional and put in by the watcher when it appears",
              arguments: ContainerKind.runnable)
        func gpu(kind: ContainerKind) throws {
            let gpu = try PlantedGPU()
            defer { gpu.remove() }
            try withContainer("gpu", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                let before = ct.configText
                let missingGroups = passthrough("add", ct.name, "--gpu")
                #expect(missingGroups.status == 1 && missingGroups.error.contains("no group 'video'") && missingGroups.error.contains("/etc/group")
                        && missingGroups.error.contains("--gid"), "\(missingGroups)")
                #expect(ct.configText == before, "nothing written")

                try addGroups(ct)
                let dry = passthrough("add", ct.name, "--gpu", "--dry-run")
                try #require(dry.succeeded, "\(dry)")
                #expect(dry.output.contains("would add dev0: /dev/dri/card0,gid=\(Self.videoGID)") && dry.output.contains("nothing changed (--dry-run)"), "\(dry.output)")
                #expect(dry.output.contains("lxc.cgroup2.devices.allow = c 226:128 rw") || dry.output.contains("lxc.cgroup.devices.allow = c 226:128 rw")
                        || kind.unprivileged, "the block that would be written: \(dry.output)")
                #expect(ct.configText == before, "--dry-run changes nothing")

                let added = passthrough("add", "-n", ct.name, "--gpu")
                try #require(added.succeeded, "\(added)")
                let entries = [
                    "dev0: /dev/dri/card0,gid=\(Self.videoGID)", "dev1: /dev/dri/renderD128,gid=\(Self.renderGID)",
                    "dev2: /dev/nvidia0,mode=0666", "dev3: /dev/nvidiactl,mode=0666",
                    "dev4: /dev/nvidia-uvm,mode=0666,required=0", "dev5: /dev/nvidia-uvm-tools,mode=0666,required=0",
                    "dev6: /dev/nvidia-caps/nvidia-cap1,mode=0666",
                ]
                for entry in entries {
                    #expect(ct.configText.contains(entry + "\n"), "\(entry) in \(ct.configText)")
                    #expect(added.output.contains("\(ct.name): added \(entry)"), "\(added.output)")
                }
                #expect(added.output.contains("gid render is \(Self.renderGID) in the container"), "\(added.output)")
                #expect(!ct.configText.contains("by-path"), "udev's links are not entries")
                let again = passthrough("add", ct.name, "--gpu")
                #expect(again.succeeded && again.output.contains("dev1 already names /dev/dri/renderD128") && again.output.contains("nothing to add"), "\(again)")

                let started = ct.start()
                try #require(started.succeeded, "\(started)\n\(ct.log)")
                #expect(ct.log.contains("/dev/nvidia-uvm") && ct.log.contains("pending"), "the start says the optional node is pending: \(ct.log)")
                #expect(ct.describe("/dev/dri/card0") == expected("character special file", 226, 0, mode: "660", uid: 0, gid: Self.videoGID))
                #expect(ct.describe("/dev/dri/renderD128") == expected("character special file", 226, 128, mode: "660", uid: 0, gid: Self.renderGID))
                #expect(ct.describe("/dev/nvidia0") == expected("character special file", 195, 0, mode: "666", uid: 0, gid: 0))
                #expect(ct.describe("/dev/nvidiactl") == expected("character special file", 195, 255, mode: "666", uid: 0, gid: 0))
                #expect(ct.describe("/dev/nvidia-caps/nvidia-cap1") == expected("character special file", 237, 1, mode: "666", uid: 0, gid: 0))
                #expect(ct.lacks(PlantedGPU.lazy))

                let watcher = try WatcherProcess()
                try gpu.makeLazyNode()
                #expect(eventually { ct.opens(PlantedGPU.lazy) }, "the driver made it: the watcher put it in\n\(watcher.log)")
                #expect(ct.describe(PlantedGPU.lazy) == expected("character special file", 10, 237, mode: "666", uid: 0, gid: 0))
            }
        }

        @Test("a directory: one entry per node under it, the options on each, links to nodes and to directories not followed",
              arguments: ContainerKind.runnable)
        func directory(kind: ContainerKind) throws {
            try withHostDevices { host in
                let first = try host.zero("bus/usb/001/001"), second = try host.zero("bus/usb/001/sub/002")
                _ = try host.symlink("bus/usb/001/by-id/stick", to: "../001")
                try host.zero("elsewhere/003")
                _ = try host.symlink("bus/usb/001/linked", to: host.root + "/elsewhere")
                _ = try host.symlink("bus/usb/link-to-001", to: "001")
                try FileManager.default.createDirectory(atPath: host.root + "/empty", withIntermediateDirectories: false)
                try withContainer("dir", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                    let before = ct.configText
                    let linked = passthrough("add", ct.name, host.root + "/bus/usb/link-to-001")
                    #expect(linked.status == 1 && linked.error.contains("is a symbolic link to a directory"), "\(linked)")
                    let empty = passthrough("add", ct.name, host.root + "/empty")
                    #expect(empty.status == 1 && empty.error.contains("no device node under"), "\(empty)")
                    #expect(ct.configText == before)

                    let added = passthrough("add", ct.name, host.root + "/bus/usb/001", "--mode", "0640", "--uid", "1000")
                    try #require(added.succeeded, "\(added)")
                    for (key, path) in [("dev0", first), ("dev1", second)] {
                        #expect(ct.configText.contains("\(key): \(path),mode=0640,uid=1000\n"), "\(ct.configText)")
                        #expect(added.output.contains("added \(key): \(path),mode=0640,uid=1000"), "\(added.output)")
                    }
                    #expect(!ct.configText.contains("dev2:"), "links are not followed: \(ct.configText)")

                    let started = ct.start()
                    try #require(started.succeeded, "\(started)\n\(ct.log)")
                    for path in [first, second] {
                        #expect(ct.describe(path) == expected("character special file", 1, 5, mode: "640", uid: 1000, gid: 0))
                    }
                }
            }
        }
    }
}

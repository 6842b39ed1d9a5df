import Foundation
import Glibc
import Testing

extension Container {
    /// Starts a process in a mount namespace of its own inside the container
    /// that binds `device` at /nested-copy there (a mount the container's own
    /// mount table does not list) and lives 60 s; returns its pid as the
    /// container sees it. Read the copy at /proc/PID/root/nested-copy.
    func nestedMountNamespace(copying device: String) throws -> (pid: String, process: Process) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/lxc-attach")
        let nested = "touch /nested-copy && mount --bind \(device) /nested-copy && exec busybox sleep 60"
        process.arguments = ["-n", name, "--", "/bin/sh", "-c",
                             "echo $$ > /tmp/nested.pid; exec busybox unshare -m --propagation private /bin/sh -c '\(nested)'"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<50 {
            let pid = attach("cat /tmp/nested.pid 2>/dev/null").output.trimmingCharacters(in: .whitespacesAndNewlines)
            if Int(pid) != nil, attach("[ -b /proc/\(pid)/root/nested-copy ]").succeeded {
                return (pid, process)
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        process.terminate()
        throw Container.Failure("the nested mount namespace did not start")
    }

    /// Whether a process in the container can open `path` and read a block of it.
    func reads(_ path: String) -> CommandResult {
        attach("dd if='\(path)' of=/dev/null bs=512 count=1")
    }
}

extension EndToEndTests {
    /// The findings of the review "revocation a hostile container cannot
    /// defeat", each on real containers: what detach takes back is decided
    /// from the host's record, never from what the container shows.
    @Suite("revocation a hostile container cannot defeat",
           .enabled(if: EndToEnd.canRunUnprivileged && EndToEnd.hasCommand, EndToEnd.skipReasonUnprivileged))
    struct RevocationTests {
        static let common = "lxc.include = /usr/share/lxc/config/common.conf"

        @Test("a forged lxc-passthrough mount on the device path does not fool detach: the real node goes, with the copies the container made, and no path opens the device (unprivileged, common.conf)")
        func forgedMount() throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("forge", unprivileged: true, firstLines: [RevocationTests.common]) { ct in
                try #require(ct.start().succeeded, "\(ct.log)")
                let original = ct.configText
                try #require(passthrough("attach", ct.name, loop.device).succeeded)
                let nested = try ct.nestedMountNamespace(copying: loop.device)
                defer { nested.process.terminate() }
                let throughNested = "/proc/\(nested.pid)/root/nested-copy"
                try #require(ct.reads(throughNested).succeeded, "the copy in the nested namespace opens before detach")
                let forge = ct.attach("touch /keep && mount --bind \(loop.device) /keep && mkdir -p /tmp/f && mount -t tmpfs lxc-passthrough /tmp/f"
                    + " && mknod /tmp/f/read-write c 0 0 && mount --bind /tmp/f/read-write \(loop.device)")
                try #require(forge.succeeded, "\(forge)")
                #expect(ct.describe(loop.device).hasPrefix("character special file 0:0"), "the forged node is what the path shows")

                let detached = passthrough("detach", ct.name, "dev0")
                try #require(detached.succeeded, "\(detached)")
                #expect(detached.output.contains("detached \(loop.device) and removed dev0"))
                #expect(detached.error.contains("stacked 1 mount(s) on \(loop.device)"), "\(detached.error)")
                #expect(detached.error.contains("bound \(loop.device) at /keep too"), "\(detached.error)")
                let opened = ct.reads(throughNested)
                #expect(!opened.succeeded && opened.error.contains("Operation not permitted"), "the b \(loop.device) rule is taken back: \(opened)")
                #expect(!ct.attach("[ -e \(loop.device) ]").succeeded, "nothing at the path: the real node and the forged layer are gone")
                #expect(!ct.attach("[ -b /keep ]").succeeded, "the copy is gone")
                #expect(ct.configText == original)
                #expect(ct.attach(LiveAttachTests.nullWorks).succeeded)
            }
        }

        @Test("after detach no path opens the device, not even a copy in a nested mount namespace: in a container that allows every device (userns.conf) as in one that denies by default (common.conf)",
              arguments: ContainerKind.runnable)
        func allowAllKeepsNothing(kind: ContainerKind) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("allowall", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                try #require(ct.start().succeeded, "\(ct.log)")
                try #require(passthrough("attach", ct.name, loop.device, "--temporary").succeeded)
                let nested = try ct.nestedMountNamespace(copying: loop.device)
                defer { nested.process.terminate() }
                let throughNested = "/proc/\(nested.pid)/root/nested-copy"
                try #require(ct.reads(throughNested).succeeded)
                let detached = passthrough("detach", ct.name, loop.device, "--temporary")
                try #require(detached.succeeded, "\(detached)")
                let opened = ct.reads(throughNested)
                #expect(!opened.succeeded && opened.error.contains("Operation not permitted"), "\(opened)")
                #expect(ct.attach(LiveAttachTests.nullWorks).succeeded, "every other device keeps its access")
                // Given again: the deny written at detach is switched back.
                try #require(passthrough("attach", ct.name, loop.device, "--temporary").succeeded)
                #expect(ct.reads(loop.device).succeeded)
            }
        }

        @Test("detach takes back what was given, even when the entry was made deny-write since; two grants of one device keep it until the last goes")
        func theRecordNotTheEntry() throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withHostDevices { host in
                let link = try host.symlink("second-name", to: loop.device)
                try withContainer("record", unprivileged: false, firstLines: [RevocationTests.common]) { ct in
                    // Given at the start, read-write: the node carries no mark of its own, the host's record says what was given.
                    try #require(passthrough("add", ct.name, loop.device).succeeded)
                    try #require(ct.start().succeeded, "\(ct.log)")
                    let (major, minor) = try loop.numbers()
                    let probe = "rm -f /tmp/probe; mknod /tmp/probe b \(major) \(minor)"
                    try #require(ct.attach("printf rw | dd of=\(loop.device) conv=notrunc").succeeded)
                    try #require(passthrough("remove", ct.name, "dev0").succeeded)
                    try #require(passthrough("add", ct.name, loop.device, "--deny-write").succeeded)
                    try #require(passthrough("detach", ct.name, "dev0").succeeded)
                    #expect(!ct.attach("\(probe) && dd if=/tmp/probe of=/dev/null bs=512 count=1").succeeded, "no read")
                    #expect(!ct.attach("\(probe) && printf x | dd of=/tmp/probe conv=notrunc").succeeded, "no write")

                    try #require(passthrough("attach", ct.name, loop.device, "--temporary").succeeded)
                    try #require(passthrough("attach", ct.name, link, "--temporary").succeeded)
                    try #require(passthrough("detach", ct.name, loop.device, "--temporary").succeeded)
                    #expect(ct.attach("printf both | dd of='\(link)' conv=notrunc && sync").succeeded, "the other grant keeps read-write access")
                    #expect(loop.imagePrefix(4) == "both")
                    try #require(passthrough("detach", ct.name, link, "--temporary").succeeded)
                    #expect(!ct.attach("\(probe) && dd if=/tmp/probe of=/dev/null bs=512 count=1").succeeded, "the last one takes it back")
                }
            }
        }

        @Test("detach works inside the container as its root: a host directory bound in (lxc.mount.entry) cannot be made to lose a root-owned file")
        func cleanupAsTheContainersRoot() throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            let share = "/tmp/lxcpt-e2e-share-\(UInt32.random(in: 0...0xffffff))"
            try FileManager.default.createDirectory(atPath: share, withIntermediateDirectories: false)
            defer { try? FileManager.default.removeItem(atPath: share) }
            chmod(share, 0o755)
            try #require(FileManager.default.createFile(atPath: share + "/victim", contents: Data()))
            try withHostDevices { host in
                let device = try host.symlink("f4/victim", to: loop.device)
                let parent = (device as NSString).deletingLastPathComponent
                try withContainer("asroot", unprivileged: true, firstLines: ContainerKind.unprivilegedUserns.firstLines) { ct in
                    try ct.append("lxc.mount.entry = \(share) srv/share none bind,create=dir 0 0")
                    try #require(ct.start().succeeded, "\(ct.log)")
                    try #require(passthrough("attach", ct.name, device, "--temporary").succeeded)
                    // The node moved onto the host's file, and the host's directory put where the node was.
                    let swap = ct.attach("mount --bind '\(device)' /srv/share/victim && umount '\(device)' && mount --rbind /srv/share '\(parent)'")
                    try #require(swap.succeeded, "\(swap)")
                    let detached = passthrough("detach", ct.name, device, "--temporary")
                    #expect(detached.succeeded, "\(detached)")
                    #expect(FileManager.default.fileExists(atPath: share + "/victim"), "the host's root-owned file is still there")
                    #expect(!ct.reads("/srv/share/victim").succeeded || ct.attach("[ ! -b /srv/share/victim ]").succeeded)
                }
            }
        }

        @Test("attach gives the node the owner the running container's id map says, not the config edited since")
        func idsOfTheRunningContainer() throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("idmap", unprivileged: true, firstLines: ContainerKind.unprivilegedUserns.firstLines) { ct in
                try #require(ct.start().succeeded, "\(ct.log)")
                let edited = ct.configText.replacingOccurrences(of: "lxc.idmap = u 0 100000 65536", with: "lxc.idmap = u 0 200000 65536")
                    .replacingOccurrences(of: "lxc.idmap = g 0 100000 65536", with: "lxc.idmap = g 0 200000 65536")
                try edited.write(toFile: ct.configPath, atomically: false, encoding: .utf8)
                let attached = passthrough("attach", ct.name, loop.device, "--uid", "1000", "--gid", "20", "--temporary")
                try #require(attached.succeeded, "\(attached)")
                #expect(ct.describe(loop.device).hasSuffix(" 660 1000:20"), "\(ct.describe(loop.device)) (mapped through the config it would be nobody)")
            }
        }

        @Test("pre-start refuses a monitor without a mount namespace of its own (lxc.monitor.unshare = 0 after the include); nothing is mounted on the host",
              arguments: DevicePassthroughTests.kinds)
        func monitorInTheHostsNamespace(unprivileged: Bool) throws {
            try withHostDevices { host in
                let node = try host.zero("ttyUNSHARE0")
                try withContainer("unshare", unprivileged: unprivileged) { ct in
                    try ct.append("dev0: \(node)", "lxc.monitor.unshare = 0")
                    let refused = ct.startInForeground()
                    #expect(refused.status == 1, "\(refused)")
                    #expect(refused.error.contains("lxc.monitor.unshare is '0': the monitor would share the host's mount namespace"), "\(refused.error)")
                    #expect(EndToEnd.hostPassthroughMounts().isEmpty, "nothing mounted on the host")
                    #expect(!FileManager.default.fileExists(atPath: ct.directory + "/lxc-passthrough"))
                }
            }
        }

        @Test("list shows what the running container was given, from the host's record: r or rw per entry, a row for a temporary grant, nothing once stopped")
        func listShowsTheRecord() throws {
            let first = try LoopDevice(), second = try LoopDevice()
            defer { first.remove(); second.remove() }
            try withContainer("given", unprivileged: false, firstLines: [RevocationTests.common]) { ct in
                try #require(passthrough("add", ct.name, first.device, "--deny-write").succeeded)
                let rows = { () -> [String] in
                    passthrough("list", ct.name, "--json").output.split(separator: "\n").filter { $0.hasPrefix("  {") }.map { line in
                        String(line.hasSuffix(",") ? line.dropLast() : line)
                    }
                }
                let row = { (rows: [String], key: String, path: String) in
                    rows.first { $0.contains("{\"key\": \"\(key)\", \"path\": \"\(path)\"") }
                }
                let stopped = rows()
                #expect(stopped.count == 1 && row(stopped, "dev0", first.device)?.hasSuffix("\"given\": null}") == true, "\(stopped)")

                try #require(ct.start().succeeded, "\(ct.log)")
                try #require(passthrough("attach", ct.name, second.device, "--temporary").succeeded)
                let running = rows()
                #expect(running.count == 2, "\(running)")
                #expect(row(running, "dev0", first.device)?.hasSuffix("\"status\": \"ready\", \"problem\": null, \"given\": \"r\"}") == true, "\(running)")
                #expect(row(running, "-", second.device)?.contains("\"status\": \"running only\"") == true, "\(running)")
                #expect(row(running, "-", second.device)?.hasSuffix("\"given\": \"rw\"}") == true, "\(running)")
                let table = passthrough("list", ct.name)
                #expect(table.output.hasPrefix("KEY") && table.output.contains("  GIVEN  STATUS\n"), "\(table.output)")

                try #require(passthrough("detach", ct.name, "dev0", "--temporary").succeeded)
                let detached = rows()
                #expect(detached.count == 2 && row(detached, "dev0", first.device)?.hasSuffix("\"given\": null}") == true, "\(detached)")

                ct.stop()
                let again = rows()
                #expect(again.count == 1 && row(again, "dev0", first.device)?.hasSuffix("\"given\": null}") == true, "\(again)")
            }
        }

        @Test("input and output: a value with a newline is refused; a holder's name, a disk named by its label and a held lock are told plainly")
        func inputAndOutputHygiene() throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            let labels = "/dev/disk/by-label"
            let madeLabels = !FileManager.default.fileExists(atPath: labels)
            try FileManager.default.createDirectory(atPath: labels, withIntermediateDirectories: true)
            let label = labels + "/LXCPT-E2E-\(UInt32.random(in: 0...0xffffff))"
            try FileManager.default.createSymbolicLink(atPath: label, withDestinationPath: loop.device)
            defer {
                try? FileManager.default.removeItem(atPath: label)
                if madeLabels { try? FileManager.default.removeItem(atPath: "/dev/disk") }
            }
            try withContainer("hygiene", unprivileged: false, firstLines: [RevocationTests.common]) { ct in
                let original = ct.configText
                let newline = passthrough("add", ct.name, "/dev/a\ndev7: /dev/sda")
                #expect(newline.status == 1 && newline.error.contains("holds a control character (\\012)"), "\(newline)")
                #expect(ct.configText == original)

                let added = passthrough("add", ct.name, label)
                #expect(added.succeeded && added.error.contains("is named by what is written on a disk (/dev/disk/by-label)"), "\(added)")
                #expect(passthrough("check", ct.name).error.contains("is named by what is written on a disk"))
                try #require(passthrough("remove", ct.name, "dev0").succeeded)

                try #require(ct.start().succeeded, "\(ct.log)")
                try #require(passthrough("attach", ct.name, loop.device, "--temporary").succeeded)
                let holder = Process()
                holder.executableURL = URL(fileURLWithPath: "/usr/bin/lxc-attach")
                holder.arguments = ["-n", ct.name, "--", "/bin/sh", "-c", "exec 3<>\(loop.device); printf 'ev\\033[2Jil' > /proc/$$/comm; busybox sleep 5; true"]
                try holder.run()
                defer { holder.terminate() }
                Thread.sleep(forTimeInterval: 1)
                let detached = passthrough("detach", ct.name, loop.device, "--temporary")
                #expect(detached.succeeded && detached.error.contains("(ev\\033[2Jil) still has \(loop.device) open"), "\(detached.error)")
                #expect(!detached.error.contains("\u{1b}"), "no escape character reaches the terminal")

                let locker = Process()
                locker.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
                locker.arguments = [ct.directory, "sleep", "20"]
                try locker.run()
                defer { locker.terminate() }
                Thread.sleep(forTimeInterval: 0.5)
                let blocked = passthrough("add", ct.name, loop.device)
                #expect(blocked.status == 1 && blocked.error.contains("has held it for more than 10 s") && blocked.error.contains("(flock)"), "\(blocked)")
            }
        }
    }
}

import Foundation
import Glibc
import Testing

extension Container {
    /// Mounts lxc-passthrough made in the running container (source `lxc-passthrough`).
    func passthroughMountsInside() -> [String] {
        guard let pid = initPID, let text = try? String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init).filter { $0.contains(" - tmpfs lxc-passthrough ") }
    }

    /// The container's whole mount table, without mount ids (for before/after comparisons).
    func mountPointsInside() -> [String] {
        guard let pid = initPID, let text = try? String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map { $0.split(separator: " ").dropFirst(3).prefix(2).joined(separator: " ") }
    }

    var configText: String { (try? String(contentsOfFile: configPath, encoding: .utf8)) ?? "" }
}

/// A process in the container that opens a device read-write, waits, then
/// writes through the descriptor it kept.
final class DeviceHolderProcess {
    let process = Process()
    let output = Pipe()

    init(_ ct: Container, device: String, text: String) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/lxc-attach")
        process.arguments = ["-n", ct.name, "--", "/bin/sh", "-c",
                             "exec 3<>\(device) && echo opened && sleep 4 && printf \(text) >&3 && sync && echo still-writes"]
        process.standardOutput = output
        process.standardError = output
        try process.run()
        // Wait for "opened".
        let deadline = Date().addingTimeInterval(10)
        var seen = Data()
        while Date() < deadline, !String(decoding: seen, as: UTF8.self).contains("opened") {
            seen.append(output.fileHandleForReading.availableData)
        }
        self.seen = seen
    }

    private var seen: Data

    func finish() -> String {
        process.waitUntilExit()
        return String(decoding: seen + output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    }
}

extension EndToEndTests {
    @Suite("attach and detach on running containers",
           .enabled(if: EndToEnd.canRunContainers && EndToEnd.hasCommand, "needs root, lxc, busybox-static, the hooks and lxc-passthrough installed"))
    struct LiveAttachTests {
        static let nullWorks = "echo x > /dev/null && head -c 1 /dev/zero | od -An -tx1 | grep -q 00"

        @Test("attach a loop device, write it from inside, read it on the host; detach: node, rule, entry and mount gone",
              arguments: ContainerKind.runnable)
        func attachWriteDetach(kind: ContainerKind) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("attach", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                try #require(ct.start().succeeded, "\(ct.log)")
                let original = ct.configText
                #expect(!ct.attach("[ -e \(loop.device) ]").succeeded, "no device before attach")

                let attached = passthrough("attach", ct.name, loop.device, "--uid", "1000", "--gid", "20", "--mode", "0660")
                try #require(attached.succeeded, "\(attached)")
                #expect(attached.output.contains("attached \(loop.device) as dev0"), "\(attached.output)")
                let (major, minor) = try loop.numbers()
                #expect(ct.describe(loop.device) == "block special file \(String(major, radix: 16)):\(String(minor, radix: 16)) 660 1000:20")
                let write = ct.attach("printf live-\(ct.name) | dd of=\(loop.device) conv=notrunc && sync")
                #expect(write.succeeded, "write from inside: \(write)")
                #expect(loop.imagePrefix(5 + ct.name.utf8.count) == "live-\(ct.name)", "the host reads what the container wrote")
                #expect(ct.attach(LiveAttachTests.nullWorks).succeeded, "/dev/null and /dev/zero still work")
                #expect(ct.configText.contains("\ndev0: \(loop.device),mode=0660,uid=1000,gid=20\n"))
                #expect(passthrough("list", ct.name).output.contains("ready"))
                #expect(ct.passthroughMountsInside().count == 1)

                let holder = try DeviceHolderProcess(ct, device: loop.device, text: "KEPT")
                let detached = passthrough("detach", ct.name, "dev0")
                try #require(detached.succeeded, "\(detached)")
                #expect(detached.error.contains("still has \(loop.device) open"), "detach names the process that kept it: \(detached.error)")
                #expect(!ct.attach("[ -e \(loop.device) ]").succeeded, "the node is gone")
                #expect(ct.passthroughMountsInside().isEmpty, "the mount is gone")
                #expect(ct.configText == original, "the entry and its rules are gone, byte for byte")
                #expect(ct.attach(LiveAttachTests.nullWorks).succeeded, "/dev/null and /dev/zero still work")
                if !kind.unprivileged {
                    // Privileged root can make a node again; the rule is what stops it now.
                    let reopened = ct.attach("mknod /tmp/again b \(major) \(minor) && exec 3<>/tmp/again")
                    #expect(!reopened.succeeded && reopened.error.contains("Operation not permitted"), "a new open is denied: \(reopened)")
                }
                // What the kernel allows: device rules are checked at open, so a descriptor opened before detach keeps working.
                let kept = holder.finish()
                #expect(kept.contains("still-writes"), "\(kept)")
                #expect(loop.imagePrefix(4) == "KEPT")
            }
        }

        @Test("attach, then restart: the device is there again", arguments: ContainerKind.runnable)
        func attachThenRestart(kind: ContainerKind) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("reattach", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                try #require(ct.start().succeeded, "\(ct.log)")
                let attached = passthrough("attach", ct.name, loop.device, "--uid", "7")
                try #require(attached.succeeded, "\(attached)")
                ct.stop()
                let started = ct.start()
                try #require(started.succeeded, "\(started)\n\(ct.log)")
                #expect(ct.describe(loop.device).hasSuffix(" 660 7:0"))
                #expect(ct.attach("printf again | dd of=\(loop.device) conv=notrunc && sync").succeeded)
                #expect(loop.imagePrefix(5) == "again")
                // The node the hooks put there at this start detaches like an attached one.
                let detached = passthrough("detach", ct.name, loop.device, "--temporary")
                try #require(detached.succeeded, "\(detached)")
                #expect(!ct.attach("[ -e \(loop.device) ]").succeeded, "the node is gone")
                #expect(ct.passthroughMountsInside().isEmpty)
                if !kind.unprivileged {
                    let (major, minor) = try loop.numbers()
                    let reopened = ct.attach("mknod /tmp/again b \(major) \(minor) && exec 3<>/tmp/again")
                    #expect(!reopened.succeeded && reopened.error.contains("Operation not permitted"), "the start's rule is taken back: \(reopened)")
                }
                #expect(ct.configText.contains("\ndev0: \(loop.device),uid=7\n"), "--temporary keeps the entry")
            }
        }

        @Test("--temporary: the running container only; the config stays byte for byte", arguments: ContainerKind.runnable)
        func temporary(kind: ContainerKind) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("temporary", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                try #require(ct.start().succeeded, "\(ct.log)")
                let original = ct.configText
                let attached = passthrough("attach", ct.name, loop.device, "--temporary")
                try #require(attached.succeeded, "\(attached)")
                #expect(ct.configText == original)
                #expect(ct.attach("printf temp | dd of=\(loop.device) conv=notrunc && sync").succeeded)
                #expect(loop.imagePrefix(4) == "temp")
                let detached = passthrough("detach", ct.name, loop.device, "--temporary")
                try #require(detached.succeeded, "\(detached)")
                #expect(!ct.attach("[ -e \(loop.device) ]").succeeded)
                #expect(ct.configText == original)
                #expect(ct.attach(LiveAttachTests.nullWorks).succeeded)
                ct.stop()
                try #require(ct.start().succeeded, "\(ct.log)")
                #expect(!ct.attach("[ -e \(loop.device) ]").succeeded, "not there at the next start")
            }
        }

        @Test("a /dev/serial/by-id style link: the node appears at the link's path, in directories the container's root owns",
              arguments: ContainerKind.runnable)
        func symlinkedPath(kind: ContainerKind) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withHostDevices { host in
                let link = try host.symlink("serial/by-id/usb-Live_Adapter-if00", to: loop.device)
                try withContainer("attach-link", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                    try #require(ct.start().succeeded, "\(ct.log)")
                    let attached = passthrough("attach", ct.name, link, "--uid", "3", "--temporary")
                    try #require(attached.succeeded, "\(attached)")
                    let (major, minor) = try loop.numbers()
                    #expect(ct.describe(link) == "block special file \(String(major, radix: 16)):\(String(minor, radix: 16)) 660 3:0")
                    let parent = (link as NSString).deletingLastPathComponent
                    #expect(ct.attach("stat -c '%F %a %u:%g' '\(parent)'").output == "directory 755 0:0\n", "made as the container's root")
                    #expect(ct.attach("printf by-id | dd of='\(link)' conv=notrunc && sync").succeeded)
                    #expect(loop.imagePrefix(5) == "by-id")
                    let detached = passthrough("detach", ct.name, link, "--temporary")
                    try #require(detached.succeeded, "\(detached)")
                    #expect(!ct.attach("[ -e '\(link)' ]").succeeded)
                }
            }
        }

        @Test("--deny-write: readable, not writable, not even by a read-write open", arguments: ContainerKind.runnable)
        func denyWrite(kind: ContainerKind) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("attach-ro", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                try #require(ct.start().succeeded, "\(ct.log)")
                let attached = passthrough("attach", ct.name, loop.device, "--deny-write", "--mode", "0666", "--temporary")
                try #require(attached.succeeded, "\(attached)")
                #expect(ct.attach("dd if=\(loop.device) of=/dev/null bs=512 count=1").succeeded, "read")
                #expect(!ct.attach("printf no | dd of=\(loop.device) conv=notrunc").succeeded, "write-only open fails")
                #expect(!ct.attach("exec 3<>\(loop.device) && printf no >&3").succeeded, "read-write open fails")
                _ = ct.attach("sync")
                #expect(loop.imagePrefix(2) == "\0\0")
                #expect(ct.attach(LiveAttachTests.nullWorks).succeeded)
                let detached = passthrough("detach", ct.name, loop.device, "--temporary")
                #expect(detached.succeeded, "\(detached)")
            }
        }

        @Test("refusals name the container, the path and why, and leave the container and its config as they were",
              arguments: ContainerKind.runnable)
        func refusals(kind: ContainerKind) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withHostDevices { host in
                let regular = host.root + "/plain-file"
                try "x".write(toFile: regular, atomically: false, encoding: .utf8)
                try withContainer("refuse", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                    let stopped = passthrough("attach", ct.name, loop.device)
                    #expect(stopped.status == 1 && stopped.error.contains("container '\(ct.name)' is not running"), "\(stopped)")
                    try #require(ct.start().succeeded, "\(ct.log)")
                    let config = ct.configText
                    let mounts = ct.mountPointsInside()
                    // Something already at the path: the live rule added first must be taken back.
                    #expect(ct.attach("touch \(loop.device)").succeeded)
                    let cases: [([String], String)] = [
                        (["attach", ct.name, loop.device], "\(loop.device) already exists in container '\(ct.name)'"),
                        (["attach", ct.name, "/dev/null", "--temporary"], "/dev/null already exists"),
                        (["attach", ct.name, regular], "\(regular): is a regular file on the host, not a character or block device"),
                        (["attach", ct.name, host.root + "/missing"], "ENOENT"),
                        (["attach", ct.name, "/etc/passwd"], "must start with /dev/"),
                        (["detach", ct.name, "/dev/null"], "/dev/null in container '\(ct.name)' is not a device lxc-passthrough put there"),
                        (["detach", ct.name, "/dev/lxcpt-none"], "/dev/lxcpt-none in container '\(ct.name)' is not a device lxc-passthrough put there (the host's record of the container has no such grant)"),
                        (["detach", ct.name, "dev9"], "has no device entry dev9"),
                    ]
                    for (arguments, message) in cases {
                        let refused = run([EndToEnd.command] + arguments)
                        #expect(refused.status == 1 && refused.error.contains(message), "\(arguments): \(refused)")
                    }
                    #expect(ct.configText == config, "config unchanged")
                    #expect(ct.mountPointsInside() == mounts, "no mount added or removed in the container")
                    #expect(ct.attach("[ -f \(loop.device) ] && [ ! -s \(loop.device) ]").succeeded, "the file that was there is still there")
                    #expect(ct.attach(LiveAttachTests.nullWorks).succeeded, "/dev/null untouched")
                    if !kind.unprivileged {
                        let (major, minor) = try loop.numbers()
                        let probe = ct.attach("mknod /tmp/probe b \(major) \(minor) && exec 3<>/tmp/probe")
                        #expect(!probe.succeeded && probe.error.contains("Operation not permitted"), "the refused attach took its rule back: \(probe)")
                    }
                }
            }
        }
    }
}

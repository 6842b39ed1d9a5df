import Foundation
import Glibc
import Testing

/// `deny-syscall` (DenySyscall/deny-syscall.c), compiled for one test: runs a
/// command under a seccomp filter that makes chosen system calls fail with a
/// chosen errno, so the kernel really refuses a call a hook makes.
final class SyscallDenier {
    static let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("DenySyscall/deny-syscall.c").path

    let directory: String
    var path: String { directory + "/deny-syscall" }

    init() throws {
        directory = "/tmp/lxcpt-e2e-deny-\(UInt32.random(in: 0...0xffffff))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // cc where the system has one, else the clang the Swift toolchain ships.
        let compiler = ["cc", "clang"].first { sh("command -v \($0)").succeeded }
        guard let compiler else {
            remove()
            throw Container.Failure("no C compiler (cc or clang) in PATH to build \(SyscallDenier.source)")
        }
        let built = run([compiler, "-O2", "-Wall", "-Wextra", "-Werror", "-o", path, SyscallDenier.source])
        guard built.succeeded else {
            remove()
            throw Container.Failure("\(compiler) could not build deny-syscall: \(built)")
        }
    }

    /// The pre-start hook of passthrough.conf, run under the filter.
    func prestartHook(denying rules: String, errno: String) throws -> String {
        "\(path) \(rules) \(errno) \(try EndToEnd.prestartHookCommand())"
    }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

extension EndToEnd {
    /// The `lxc.hook.pre-start` command of the passthrough.conf under test.
    static func prestartHookCommand() throws -> String {
        let text = try String(contentsOfFile: configInclude, encoding: .utf8)
        let prefix = "lxc.hook.pre-start = "
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else {
            throw Container.Failure("\(configInclude) has no '\(prefix)' line")
        }
        return String(line.dropFirst(prefix.count))
    }

    /// Metadata of a directory and its entries (not followed): what must not change.
    static func metadataSnapshot(_ path: String) throws -> [String] {
        let entries = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        return ([""] + entries).map { name in
            var info = stat()
            let status = lstat(path + "/" + name, &info)
            return "\(name) \(status) \(info.st_mode) \(info.st_uid):\(info.st_gid) \(info.st_rdev) \(info.st_ino) "
                + "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)"
        }
    }
}

extension Container {
    /// The values of a config key as LXC reads the config (includes and clearing lines applied).
    func configItems(_ key: String) -> [String] {
        run(["lxc-info", "-n", name, "-c", key]).output.split(separator: "\n")
            .filter { $0.hasPrefix("\(key) = ") }.map { String($0.dropFirst(key.count + 3)) }
    }

    func append(lines: [String]) throws {
        for line in lines { try append(line) }
    }

    /// Removes these exact lines from the config file.
    func remove(lines: [String]) throws {
        let kept = try String(contentsOfFile: configPath, encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !lines.contains(String($0)) }
        try kept.joined(separator: "\n").write(toFile: configPath, atomically: false, encoding: .utf8)
    }
}

extension EndToEndTests {
    @Suite("system calls the kernel refuses, unreadable host nodes, a symlink in the container's /dev",
           .enabled(if: EndToEnd.canRunContainers, EndToEnd.skipReason))
    struct DeniedCallTests {
        /// Checks a start pre-start refused: the message on `lxc-start -F`'s
        /// stderr and in the log, and nothing left behind.
        func expectRefusedByPrestart(_ ct: Container, _ result: CommandResult, mentioning mentions: [String]) {
            #expect(result.status == 1, "lxc-start reports a failed start (exit 1, not the timeout's 124 or 137): \(result)")
            #expect(result.error.contains("pve-prestart-hook: error: container '\(ct.name)': "), "pre-start refused it:\n\(result.error)")
            let log = ct.log
            for mention in mentions {
                #expect(result.error.contains(mention), "lxc-start -F's stderr names '\(mention)':\n\(result.error)")
                #expect(log.contains(mention), "the log names '\(mention)':\n\(log)")
            }
            #expect(log.contains("ERROR    pve-prestart-hook - container '\(ct.name)'"), "an ERROR line at LXC's default log level:\n\(log)")
            #expect(ct.state == "STOPPED")
            #expect(!FileManager.default.fileExists(atPath: ct.directory + "/lxc-passthrough"), "no lxc-passthrough directory left")
            #expect(EndToEnd.hostPassthroughMounts().isEmpty, "nothing left mounted on the host")
        }

        @Test("the kernel refuses pre-start's tmpfs (seccomp: fsopen fails with EPERM): the start is refused naming fsopen and EPERM, nothing is left; without the filter the start works",
              arguments: DevicePassthroughTests.kinds)
        func tmpfsDenied(unprivileged: Bool) throws {
            let denier = try SyscallDenier()
            defer { denier.remove() }
            try withHostDevices { host in
                let node = try host.zero("ttyNOMOUNT0")
                try withContainer("nomount", unprivileged: unprivileged) { ct in
                    try ct.append("dev0: \(node),mode=0640,uid=1000,gid=20")
                    let wrapped = try denier.prestartHook(denying: "fsopen", errno: "EPERM")
                    // An empty value clears the pre-start hooks passthrough.conf set.
                    let hookLines = ["lxc.hook.pre-start =", "lxc.hook.pre-start = \(wrapped)"]
                    try ct.append(lines: hookLines)
                    try #require(ct.configItems("lxc.hook.pre-start") == [wrapped], "LXC runs only the wrapped pre-start hook")

                    let refused = ct.startInForeground()
                    expectRefusedByPrestart(ct, refused, mentioning: [
                        "container '\(ct.name)': cannot mount a tmpfs for the device nodes: ",
                        "fsopen tmpfs: Operation not permitted (EPERM)",
                    ])

                    try ct.remove(lines: hookLines)
                    try #require(ct.configItems("lxc.hook.pre-start") == [try EndToEnd.prestartHookCommand()])
                    let started = ct.start()
                    try #require(started.succeeded, "a normal start after the refused one: \(started)\n\(ct.log)")
                    #expect(ct.describe(node) == expected("character special file", 1, 5, mode: "640", uid: 1000, gid: 20))
                    #expect(ct.monitorPassthroughMounts().count == 1)
                }
            }
        }

        @Test("pre-start looks no path up twice: it fills its tmpfs through the fsmount descriptor and moves it (with mount(2) denied by seccomp, the start works)",
              arguments: DevicePassthroughTests.kinds)
        func noMountByPath(unprivileged: Bool) throws {
            let denier = try SyscallDenier()
            defer { denier.remove() }
            try withHostDevices { host in
                let node = try host.zero("ttyNOPATH0")
                try withContainer("nopath", unprivileged: unprivileged) { ct in
                    try ct.append("dev0: \(node),mode=0640,uid=1000,gid=20")
                    let wrapped = try denier.prestartHook(denying: "mount", errno: "EPERM")
                    try ct.append(lines: ["lxc.hook.pre-start =", "lxc.hook.pre-start = \(wrapped)"])
                    try #require(ct.configItems("lxc.hook.pre-start") == [wrapped], "LXC runs only the wrapped pre-start hook")
                    let started = ct.start()
                    try #require(started.succeeded, "pre-start never calls mount(2): \(started)\n\(ct.log)")
                    #expect(ct.describe(node) == expected("character special file", 1, 5, mode: "640", uid: 1000, gid: 20))
                    #expect(ct.monitorPassthroughMounts().count == 1)
                }
            }
        }

        @Test("a host node with mode 0000 is passed through with the mode and owner asked for; the host node keeps its mode 0000, owner and ctime",
              arguments: DevicePassthroughTests.kinds)
        func hostNodeModeZero(unprivileged: Bool) throws {
            try withHostDevices { host in
                let node = try host.zero("ttyLOCKED0")
                try #require(chown(node, 4242, 4343) == 0 && chmod(node, 0) == 0, "errno \(errno)")
                var info = stat()
                try #require(lstat(node, &info) == 0)
                try #require(info.st_mode == S_IFCHR && info.st_uid == 4242 && info.st_gid == 4343, "the host node is c--------- 4242:4343")
                let before = try EndToEnd.metadataSnapshot(host.root)
                try withContainer("locked", unprivileged: unprivileged) { ct in
                    try ct.append("dev0: \(node),mode=0640,uid=1000,gid=20")
                    let started = ct.start()
                    try #require(started.succeeded, "\(started)\n\(ct.log)")
                    #expect(ct.describe(node) == expected("character special file", 1, 5, mode: "640", uid: 1000, gid: 20))
                    #expect(ct.attach("head -c 4 \(node) | od -An -tx1").output.trimmingCharacters(in: .whitespacesAndNewlines) == "00 00 00 00",
                            "the node works in the container")
                    #expect(try EndToEnd.metadataSnapshot(host.root) == before, "the host node is untouched while the container runs")
                    ct.stop()
                    #expect(try EndToEnd.metadataSnapshot(host.root) == before, "the host node is untouched after the stop")
                }
            }
        }

        /// pre-start looks the device up with glibc's stat(path), which is
        /// newfstatat(AT_FDCWD, path, buf, 0) here (seen with strace -f on the
        /// hook). Matching AT_FDCWD and flags 0 leaves fstat (AT_EMPTY_PATH) and
        /// fstatat(AT_SYMLINK_NOFOLLOW) alone. pre-start looks for
        /// /etc/pve/lxc/NAME.conf by opening it, which the rule does not touch.
        static let statRule = "newfstatat:arg0=-100:arg3=0"

        @Test("the host path cannot be stat'ed (seccomp: stat fails with EACCES): the start is refused naming dev0, the path, stat and EACCES; without the filter the start works",
              arguments: DevicePassthroughTests.kinds)
        func statDenied(unprivileged: Bool) throws {
            let denier = try SyscallDenier()
            defer { denier.remove() }
            try withHostDevices { host in
                let node = try host.zero("ttyNOSTAT0")
                try withContainer("nostat", unprivileged: unprivileged) { ct in
                    try ct.append("dev0: \(node),uid=7")
                    let wrapped = try denier.prestartHook(denying: DeniedCallTests.statRule, errno: "EACCES")
                    let hookLines = ["lxc.hook.pre-start =", "lxc.hook.pre-start = \(wrapped)"]
                    try ct.append(lines: hookLines)
                    try #require(ct.configItems("lxc.hook.pre-start") == [wrapped], "LXC runs only the wrapped pre-start hook")

                    let refused = ct.startInForeground()
                    expectRefusedByPrestart(ct, refused, mentioning: [
                        "container '\(ct.name)': dev0 (\(node)): cannot look up the device on the host: ",
                        "stat \(node): Permission denied (EACCES)",
                    ])

                    try ct.remove(lines: hookLines)
                    let started = ct.start()
                    try #require(started.succeeded, "a normal start after the refused one: \(started)\n\(ct.log)")
                    #expect(ct.describe(node) == expected("character special file", 1, 5, mode: "660", uid: 7, gid: 0))
                }
            }
        }

        /// LXC applies lxc.mount.entry before it runs the autodev hook (its
        /// TRACE log: "Mounted ... on .../rootfs/dev/NAME" comes before
        /// "Executing script .../pve-autodev-hook"), so a config can put a
        /// directory holding `by-id -> /etc` into the fresh /dev. autodev runs
        /// before pivot_root: following that link would reach the host's /etc.
        @Test("a parent of the device path in the container's /dev is a symlink to /etc (through lxc.mount.entry): autodev refuses the start naming the device, /etc is unchanged; without the entry the start works",
              arguments: DevicePassthroughTests.kinds)
        func symlinkParentInContainerDev(unprivileged: Bool) throws {
            let planted = "/tmp/lxcpt-e2e-planted-\(UInt32.random(in: 0...0xffffff))"
            try FileManager.default.createDirectory(atPath: planted, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: planted) }
            try FileManager.default.createSymbolicLink(atPath: planted + "/by-id", withDestinationPath: "/etc")
            try withHostDevices { host in
                let nodeName = "usb-lxcpt-e2e-\(UInt32.random(in: 0...0xffffff))-if00"
                // On the host a real directory; in the container it is the planted one.
                let node = try host.zero("by-id/" + nodeName)
                let inDev = String(host.root.dropFirst())  // dev/lxcpt-e2e-...
                let mountEntry = "lxc.mount.entry = \(planted) \(inDev) none bind,create=dir 0 0"
                try withContainer("dirlink", unprivileged: unprivileged) { ct in
                    try ct.append("dev0: \(node)", mountEntry)
                    let before = try EndToEnd.metadataSnapshot("/etc")

                    let refused = ct.startInForeground()
                    #expect(refused.status == 1, "lxc-start reports a failed start (exit 1, not the timeout's 124 or 137): \(refused)")
                    let device = "pve-autodev-hook: error: container '\(ct.name)': dev0 (\(node)): cannot make the mount point in the container's /dev: "
                    #expect(refused.error.contains(device), "lxc-start -F's stderr names the device:\n\(refused.error)")
                    #expect(refused.error.contains("/\(inDev)/by-id: "), "the message names the symlinked parent:\n\(refused.error)")
                    #expect(refused.error.contains("(ENOTDIR)") || refused.error.contains("(ELOOP)"), "ENOTDIR or ELOOP:\n\(refused.error)")
                    #expect(refused.error.contains("(a parent is a symlink or not a directory)"), "\(refused.error)")
                    #expect(ct.log.contains("ERROR    pve-autodev-hook - container '\(ct.name)': dev0 (\(node))"), "the log names it:\n\(ct.log)")
                    #expect(ct.state == "STOPPED")
                    #expect(!FileManager.default.fileExists(atPath: "/etc/" + nodeName), "no mount point made in the host's /etc")
                    #expect(try EndToEnd.metadataSnapshot("/etc") == before, "/etc and its entries unchanged")
                    #expect(!FileManager.default.fileExists(atPath: ct.directory + "/lxc-passthrough"), "no lxc-passthrough directory left")
                    #expect(EndToEnd.hostPassthroughMounts().isEmpty, "nothing left mounted on the host")

                    try ct.remove(lines: [mountEntry])
                    let started = ct.start()
                    try #require(started.succeeded, "a normal start without the planted directory: \(started)\n\(ct.log)")
                    #expect(ct.describe(node) == expected("character special file", 1, 5, mode: "660", uid: 0, gid: 0))
                    #expect(ct.attach("[ -d /\(inDev)/by-id ] && [ ! -L /\(inDev)/by-id ]").succeeded, "by-id is a directory in the container")
                    #expect(try EndToEnd.metadataSnapshot("/etc") == before, "/etc unchanged")
                }
            }
        }

        /// The device's own path in the container's /dev is already a symlink,
        /// to a host path that does not exist: an open that followed it with
        /// O_CREAT would make that file on the host.
        @Test("the device path in the container's /dev is already a symlink (through lxc.mount.entry): autodev refuses the start naming it, nothing is made where it points; without the entry the start works",
              arguments: DevicePassthroughTests.kinds)
        func symlinkAtTheDevicePath(unprivileged: Bool) throws {
            let planted = "/tmp/lxcpt-e2e-planted-\(UInt32.random(in: 0...0xffffff))"
            let target = "/tmp/lxcpt-e2e-target-\(UInt32.random(in: 0...0xffffff))"
            try FileManager.default.createDirectory(atPath: planted, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: planted); try? FileManager.default.removeItem(atPath: target) }
            try FileManager.default.createSymbolicLink(atPath: planted + "/ttyLEAF0", withDestinationPath: target)
            try withHostDevices { host in
                let node = try host.zero("ttyLEAF0")
                let inDev = String(host.root.dropFirst())
                let mountEntry = "lxc.mount.entry = \(planted) \(inDev) none bind,create=dir 0 0"
                try withContainer("leaflink", unprivileged: unprivileged) { ct in
                    try ct.append("dev0: \(node)", mountEntry)
                    let refused = ct.startInForeground()
                    #expect(refused.status == 1, "lxc-start reports a failed start: \(refused)")
                    #expect(refused.error.contains("pve-autodev-hook: error: container '\(ct.name)': dev0 (\(node)): ")
                            && refused.error.contains("/\(inDev)/ttyLEAF0 already exists in the container as a symbolic link"),
                            "lxc-start -F's stderr names the device and the link:\n\(refused.error)")
                    #expect(!FileManager.default.fileExists(atPath: target), "nothing made where the link points")
                    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: planted + "/ttyLEAF0") == target, "the link itself untouched")
                    #expect(!FileManager.default.fileExists(atPath: ct.directory + "/lxc-passthrough"))
                    #expect(EndToEnd.hostPassthroughMounts().isEmpty)

                    try ct.remove(lines: [mountEntry])
                    let started = ct.start()
                    try #require(started.succeeded, "a normal start without the planted link: \(started)\n\(ct.log)")
                    #expect(ct.describe(node) == expected("character special file", 1, 5, mode: "660", uid: 0, gid: 0))
                }
            }
        }
    }
}

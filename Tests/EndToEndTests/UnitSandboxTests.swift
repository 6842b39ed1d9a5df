import Foundation
import Glibc
import Testing

/// The limits `lxc-passthrough-watch.service` sets that apply without
/// systemd, read from the installed unit and applied as systemd applies
/// them: its capability bounding set and no new privileges (setpriv), a
/// mount namespace of its own that the host's mounts propagate into
/// (PrivateMounts=), a UTS namespace (ProtectHostname=), its own /tmp
/// (PrivateTmp=), /usr, /boot, /efi and /etc read-only (ProtectSystem=full)
/// and the homes read-only (ProtectHome=read-only); of what systemd enforces
/// by seccomp, what is known to refuse a call the watcher makes:
/// RestrictSUIDSGID=, whose filter refuses openat2 with ENOSYS (seen under
/// systemd 252), applied with deny-syscall. The other filters
/// (SystemCallFilter=, RestrictNamespaces=, RestrictAddressFamilies=,
/// MemoryDenyWriteExecute=) are not applied here.
enum UnitSandbox {
    /// The unit installed beside the command under test (PREFIX/lib/systemd/system).
    static var unitPath: String {
        let prefix = URL(fileURLWithPath: EndToEnd.command).deletingLastPathComponent().deletingLastPathComponent().path
        return prefix + "/lib/systemd/system/lxc-passthrough-watch.service"
    }

    /// The unit's `CapabilityBoundingSet=`, as setpriv takes it: `-all,+sys_admin,...`.
    static func boundingSet() throws -> String {
        let unit = try String(contentsOfFile: unitPath, encoding: .utf8)
        let line = try #require(unit.split(separator: "\n").first { $0.hasPrefix("CapabilityBoundingSet=") }, "no CapabilityBoundingSet= in \(unitPath)")
        let names = line.dropFirst("CapabilityBoundingSet=".count).split(separator: " ").map { $0.lowercased() }
        try #require(!names.isEmpty && names.allSatisfy { $0.hasPrefix("cap_") }, "\(line)")
        return (["-all"] + names.map { "+" + $0.dropFirst(4) }).joined(separator: ",")
    }

    /// `lxc-passthrough watch` as the unit runs it, as far as it can be without systemd.
    static func watchCommandLine() throws -> [String] {
        let unit = try String(contentsOfFile: unitPath, encoding: .utf8)
        for setting in ["NoNewPrivileges=yes", "PrivateMounts=yes", "ProtectHostname=yes", "PrivateTmp=yes", "ProtectSystem=full", "ProtectHome=read-only"] {
            try #require(unit.split(separator: "\n").contains { $0 == setting }, "the unit no longer says \(setting): this test applies it")
        }
        let readOnly = "for d in /usr /boot /efi /etc /home /root /run/user; do "
            + "[ -d \"$d\" ] || continue; mount --bind \"$d\" \"$d\" && mount -o remount,bind,ro \"$d\" || exit 1; done"
        let denier = unit.split(separator: "\n").contains { $0 == "RestrictSUIDSGID=yes" } ? try TestProgram.build("DenySyscall/deny-syscall.c").get() : nil
        // An empty /tmp and /var/tmp. What the test runs from below /tmp (test.sh stages the command there, and the
        // test programs are built there) is bound into the new /tmp at its path, as an installed command stays visible.
        // (test.sh's stage: PREFIX/sbin/lxc-passthrough and the passthrough.conf the containers include, PREFIX/lxc.)
        let prefix = URL(fileURLWithPath: EndToEnd.command).deletingLastPathComponent().deletingLastPathComponent().path
        let kept = ([prefix] + (denier.map { [URL(fileURLWithPath: $0).deletingLastPathComponent().path] } ?? [])).filter { $0.hasPrefix("/tmp/") }
        let keep = kept.map { "mkdir -p '/var/tmp/.tmp\($0.dropFirst(4))'; mount --bind '\($0)' '/var/tmp/.tmp\($0.dropFirst(4))'; " }.joined()
        let privateTmp = "mount -t tmpfs tmpfs /var/tmp; mkdir /var/tmp/.tmp; mount -t tmpfs tmpfs /var/tmp/.tmp; \(keep)mount --move /var/tmp/.tmp /tmp"
        let seccomp = denier.map { "'\($0)' openat2 ENOSYS " } ?? ""
        let script = "set -e; \(privateTmp); \(readOnly); "
            + "exec setpriv --bounding-set='\(try boundingSet())' --no-new-privs -- \(seccomp)\"$0\" watch"
        return ["unshare", "--mount", "--uts", "--propagation", "slave", "--", "sh", "-c", script, EndToEnd.command]
    }
}

extension EndToEndTests {
    @Suite("lxc-passthrough watch within its systemd unit's limits (those that apply without systemd)",
           .enabled(if: EndToEnd.canRunContainers && EndToEnd.hasCommand && FileManager.default.fileExists(atPath: "/dev/loop-control")
                    && FileManager.default.fileExists(atPath: UnitSandbox.unitPath),
                    "needs root, lxc, busybox-static, lxc-passthrough and its unit installed, and /dev/loop-control"))
    struct UnitSandboxTests {
        @Test("within the unit's capabilities, no new privileges, its own mount and UTS namespaces, /tmp and read-only /usr and /etc, the watcher gives a device renumbered behind its link and takes the old one back",
              arguments: ContainerKind.runnable)
        func renumberedWithinTheUnitsLimits(kind: ContainerKind) throws {
            let first = try ImageFile(), second = try ImageFile()
            let numberA = LoopControl.freeNumber(), numberB = LoopControl.freeNumber()
            try #require(numberA != numberB)
            let loopA = try PluggedLoop(number: numberA, image: first.path)
            try withHostDevices { host in
                let link = try host.symlink("disk/by-id/usb-Stick_U", to: loopA.device)
                try withContainer("unitwatch", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                    let added = passthrough("add", ct.name, link, "--mp", "/dev/stick", "--required", "0")
                    try #require(added.succeeded, "\(added)")
                    try #require(ct.start().succeeded, "\(ct.log)")
                    let watcher = try WatcherProcess(commandLine: try UnitSandbox.watchCommandLine())
                    let status = try String(contentsOfFile: "/proc/\(watcher.pid)/status", encoding: .utf8)
                    #expect(status.contains("NoNewPrivs:\t1"), "the watcher runs with no new privileges: \(status)")
                    try #require(ct.opens("/dev/stick"), "given at the start: \(watcher.log)")
                    let loopB = try PluggedLoop(number: numberB, image: second.path)
                    // As udev moves a link: a new one renamed over the old.
                    try FileManager.default.createSymbolicLink(atPath: link + ".new", withDestinationPath: loopB.device)
                    try #require(rename(link + ".new", link) == 0, "rename: errno \(errno)")
                    #expect(eventually { ct.describe("/dev/stick").hasPrefix("block special file 7:\(String(numberB, radix: 16)) ") },
                            "the new number at the same path: \(ct.describe("/dev/stick"))\n\(watcher.log)")
                    #expect(ct.attach("printf moved | dd of=/dev/stick conv=notrunc 2>/dev/null && sync").succeeded, "usable: \(watcher.log)")
                    #expect(second.prefix(5) == "moved")
                    #expect(watcher.log.contains("\(ct.name): dev0 (\(link)): b 7:\(numberA) its path names another device now: access taken back"),
                            "\(watcher.log)")
                    #expect(watcher.log.contains("\(ct.name): dev0 (\(link)): b 7:\(numberB) given at /dev/stick"), "\(watcher.log)")
                    #expect(!watcher.log.contains("Operation not permitted"), "nothing refused by the unit's limits: \(watcher.log)")
                    withExtendedLifetime(loopB) {}
                    #expect(watcher.stops(within: 1), "SIGTERM stops it within 1 s")
                }
            }
        }
    }
}

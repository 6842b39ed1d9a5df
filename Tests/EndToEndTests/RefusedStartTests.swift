import Foundation
import Glibc
import Testing

/// A config that must refuse the start, and what the message must name.
struct RefusedStart: CustomTestStringConvertible, Sendable {
    var name: String
    var unprivileged = false
    /// devN lines; `HOST` is replaced by the test's host device directory.
    var lines: [String]
    var mentions: [String]

    var testDescription: String { name }
}

extension EndToEndTests {
@Suite("starts that must fail, cleanly", .enabled(if: EndToEnd.canRunContainers, EndToEnd.skipReason))
struct RefusedStartTests {
    static let cases: [RefusedStart] = [
        RefusedStart(name: "device missing", lines: ["dev0: /dev/zero", "dev1: /dev/lxcpt-no-such-device"],
                     mentions: ["dev1", "/dev/lxcpt-no-such-device", "stat", "ENOENT"]),
        RefusedStart(name: "path is a directory", lines: ["dev0: /dev/zero", "dev2: HOST/adir"],
                     mentions: ["dev2", "HOST/adir", "a directory", "not a character or block device"]),
        RefusedStart(name: "path is a regular file", lines: ["dev0: /dev/zero", "dev3: HOST/afile"],
                     mentions: ["dev3", "HOST/afile", "a regular file"]),
        RefusedStart(name: "'..' in the path", lines: ["dev0: /dev/zero", "dev4: /dev/../etc/passwd"],
                     mentions: ["dev4", "/dev/../etc/passwd", "'..'"]),
        RefusedStart(name: "mode with setuid bit", lines: ["dev5: /dev/zero,mode=4660"], mentions: ["dev5", "4660", "mode"]),
        RefusedStart(name: "mode with sticky bit", lines: ["dev5: /dev/zero,mode=1777"], mentions: ["dev5", "1777", "mode"]),
        RefusedStart(name: "negative uid", lines: ["dev6: /dev/zero,uid=-1"], mentions: ["dev6", "uid '-1'"]),
        RefusedStart(name: "non-numeric gid", lines: ["dev7: /dev/zero,gid=wheel"], mentions: ["dev7", "gid 'wheel'"]),
        RefusedStart(name: "unknown key", lines: ["dev8: /dev/zero,owner=1"], mentions: ["dev8", "unknown key 'owner'"]),
        RefusedStart(name: "unmapped uid", unprivileged: true, lines: ["dev0: /dev/zero", "dev9: /dev/full,uid=70000"],
                     mentions: ["dev9", "uid 70000", "lxc.idmap"]),
        RefusedStart(name: "unmapped gid", unprivileged: true, lines: ["dev10: /dev/zero,gid=65536"],
                     mentions: ["dev10", "gid 65536", "lxc.idmap"]),
        RefusedStart(name: "the same path twice", lines: ["dev0: /dev/zero", "dev11: /dev//zero"],
                     mentions: ["dev11", "dev0", "same path"]),
        RefusedStart(name: "key outside dev0..dev255", lines: ["dev256: /dev/zero"], mentions: ["dev256", "dev0 to dev255"]),
    ]

    static var runnable: [RefusedStart] { cases.filter { !$0.unprivileged || EndToEnd.canRunUnprivileged } }

    @Test("the start is refused with a message naming the device, visible with -F and in the log; nothing is left",
          arguments: runnable)
    func refused(_ refusal: RefusedStart) throws {
        try withHostDevices { host in
            try FileManager.default.createDirectory(atPath: host.root + "/adir", withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: host.root + "/afile", contents: Data("x".utf8))
            try withContainer("fail", unprivileged: refusal.unprivileged) { ct in
                for line in refusal.lines { try ct.append(line.replacingOccurrences(of: "HOST", with: host.root)) }
                let result = ct.startInForeground()
                #expect(!result.succeeded, "the start must fail")
                let log = ct.log
                for mention in refusal.mentions.map({ $0.replacingOccurrences(of: "HOST", with: host.root) }) {
                    #expect(result.error.contains(mention), "lxc-start -F's stderr names '\(mention)':\n\(result.error)")
                    #expect(log.contains(mention), "the log names '\(mention)':\n\(log)")
                }
                #expect(log.contains("ERROR    pve-prestart-hook - container '\(ct.name)'"), "an ERROR line at LXC's default log level")
                #expect(ct.state == "STOPPED")
                #expect(!FileManager.default.fileExists(atPath: ct.directory + "/lxc-passthrough"), "no directory left")
                #expect(EndToEnd.hostPassthroughMounts().isEmpty, "nothing left mounted")
            }
        }
    }

    @Test("an autodev failure is reported with -F and in the log too (through post-stop)", arguments: DevicePassthroughTests.kinds)
    func autodevFailure(unprivileged: Bool) throws {
        // A second pre-start hook, run after ours, damages the device list so autodev refuses it.
        let tamper = "/tmp/lxcpt-e2e-tamper-\(UInt32.random(in: 0...0xffffff)).sh"
        try "#!/bin/sh\necho 'dev9 x' >> \"$(dirname \"$LXC_CONFIG_FILE\")/lxc-passthrough/devices\"\n"
            .write(toFile: tamper, atomically: true, encoding: .utf8)
        chmod(tamper, 0o755)
        defer { try? FileManager.default.removeItem(atPath: tamper) }
        try withContainer("autodevfail", unprivileged: unprivileged) { ct in
            try ct.append("dev0: /dev/zero", "lxc.hook.pre-start = \(tamper)")
            let result = ct.startInForeground()
            #expect(!result.succeeded)
            let mention = "pve-autodev-hook: error: container '\(ct.name)': the device list"
            #expect(result.error.contains(mention) && result.error.contains("is damaged"), "\(result.error)")
            #expect(ct.log.contains("ERROR    pve-autodev-hook - container '\(ct.name)': the device list"), "\(ct.log)")
            #expect(ct.state == "STOPPED")
            #expect(!FileManager.default.fileExists(atPath: ct.directory + "/lxc-passthrough"))
            #expect(EndToEnd.hostPassthroughMounts().isEmpty)
        }
    }

    @Test("an unreadable device config (/etc/pve/lxc/NAME.conf is a directory) refuses the start",
          .enabled(if: !FileManager.default.fileExists(atPath: "/etc/pve"), "this host has /etc/pve: not touching a real Proxmox config"))
    func unreadableConfig() throws {
        try withContainer("unread", unprivileged: false) { ct in
            let pveConfig = "/etc/pve/lxc/\(ct.name).conf"
            try FileManager.default.createDirectory(atPath: pveConfig, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: "/etc/pve") }
            let result = ct.startInForeground()
            #expect(!result.succeeded)
            #expect(result.error.contains(pveConfig) && result.error.contains("cannot read the container configuration"), "\(result.error)")
            #expect(ct.log.contains(pveConfig))
            #expect(EndToEnd.hostPassthroughMounts().isEmpty)
        }
    }

    @Test("a hook run by hand, without LXC's environment, prints usage and exits 2")
    func byHand() throws {
        let hookDirectory = (EndToEnd.configInclude as NSString).deletingLastPathComponent + "/../hooks"
        for hook in ["pve-prestart-hook", "pve-autodev-hook", "pve-poststop-hook"] {
            let result = run(["env", "-i", hookDirectory + "/" + hook])
            #expect(result.status == 2, "\(hook): \(result)")
            #expect(result.error.contains("usage"), "\(hook): \(result)")
        }
    }
}
}

import Foundation
import Glibc
import Testing

/// `lxc-passthrough doctor` on one entry: its output, and the line of link `number`.
struct DoctorRun: CustomStringConvertible {
    let result: CommandResult

    init(_ ct: Container, _ device: String? = nil) {
        result = ct.passthrough("doctor", ct.name, device)
    }

    var description: String { "\(result)" }
    var lines: [String] { result.output.split(separator: "\n").map(String.init) }

    /// The line of link `number` (`  ✗ 3 rule: ...`); throws when there is none.
    func link(_ number: Int) throws -> String {
        guard let line = lines.first(where: { $0.hasPrefix("  ✓ \(number) ") || $0.hasPrefix("  ✗ \(number) ") || $0.hasPrefix("  - \(number) ") }) else {
            throw Container.Failure("no line for link \(number) in: \(result)")
        }
        return line
    }

    /// The fix printed under link `number`; throws when there is none.
    func fix(_ number: Int) throws -> String {
        let line = try link(number)
        guard let index = lines.firstIndex(of: line), index + 1 < lines.count, lines[index + 1].hasPrefix("      fix: ") else {
            throw Container.Failure("no fix under link \(number) in: \(result)")
        }
        return String(lines[index + 1].dropFirst("      fix: ".count))
    }

    /// The numbers of the links that failed.
    var failed: [Int] {
        lines.compactMap { line in line.hasPrefix("  ✗ ") ? Int(line.dropFirst(4).prefix { $0 != " " }) : nil }
    }

    /// Every link holds or does not apply, and the exit status says so.
    var passes: Bool { result.status == 0 && failed.isEmpty && lines.contains { $0.hasPrefix("  ✓ 1 ") } }
}

extension Container {
    /// The container in a fix doctor prints: `-P DIR -n NAME` for LXC's tools, `-P DIR NAME` for lxc-passthrough.
    var lxcName: String { (lxcPath.map { "-P \($0) " } ?? "") + "-n \(name)" }
    var ourName: String { (lxcPath.map { "-P \($0) " } ?? "") + name }

    /// lxc-passthrough SUBCOMMAND -P (its container path) ARGUMENTS; nil arguments left out.
    func passthrough(_ subcommand: String, _ arguments: String?...) -> CommandResult {
        run([EndToEnd.command, subcommand] + (lxcPath.map { ["-P", $0] } ?? []) + arguments.compactMap { $0 })
    }
}

extension EndToEndTests {
    @Suite("doctor: one broken link at a time, its ✗ line and fix, and all ✓ once fixed",
           .enabled(if: EndToEnd.canRunContainers && EndToEnd.hasCommand, "needs root, lxc, busybox-static, the hooks and lxc-passthrough installed"))
    final class DoctorTests {
        /// A container path of each test's own, removed afterwards: no
        /// watcher another test or person runs on the host's (/var/lib/lxc)
        /// follows a device renumbered here or gives an entry added here (the
        /// very breakages these tests make), and link 8 sees no other test's containers.
        let path = "/tmp/ptest-doctor-\(UInt32.random(in: 0...0xffffff))"

        init() throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }

        @Test("a device renumbered behind its path, no watcher: link 2 says so and sync + restart fixes it", arguments: ContainerKind.runnable)
        func renumbered(kind: ContainerKind) throws {
            let first = try LoopDevice(), second = try LoopDevice()
            defer { first.remove(); second.remove() }
            try withHostDevices { host in
                let link = try host.symlink("serial/by-id/usb-adapter", to: first.device)
                try withContainer("doc-renum", unprivileged: kind.unprivileged, firstLines: kind.firstLines, lxcPath: path) { ct in
                    try #require(ct.passthrough("add", ct.name, link).succeeded)
                    let started = ct.start()
                    try #require(started.succeeded, "\(started)\n\(ct.log)")
                    let before = DoctorRun(ct)
                    #expect(before.passes, "\(before)")
                    // Plugged in again: the same path names another device now.
                    try FileManager.default.removeItem(atPath: link)
                    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: second.device)
                    let (_, newMinor) = try second.numbers(), (_, oldMinor) = try first.numbers()
                    let broken = DoctorRun(ct, "dev0")
                    #expect(broken.result.status == 1, "\(broken)")
                    let line = try broken.link(2)
                    #expect(line.hasPrefix("  ✗ 2 host node:") && line.contains("is b 7:\(newMinor) now") && line.contains("given b 7:\(oldMinor)")
                            && line.contains("renumbered"), "\(broken)")
                    #expect(try broken.fix(2).hasPrefix("lxc-passthrough sync \(ct.ourName), then restart it"), "\(broken)")
                    #expect(try broken.link(4).contains("it is b 7:\(oldMinor), the host path is b 7:\(newMinor)"), "the node inside is the old device: \(broken)")
                    if !kind.unprivileged {
                        // common.conf denies by default (userns.conf empties the list: an unprivileged container's rules allow all).
                        #expect(broken.failed.contains(3), "the rules are the old device's: \(broken)")
                    }

                    try #require(ct.passthrough("sync", ct.name).succeeded)
                    ct.stop()
                    try #require(ct.start().succeeded, "\(ct.log)")
                    let fixed = DoctorRun(ct, link)
                    #expect(fixed.passes, "\(fixed)")
                }
            }
        }

        @Test("a rule taken back by hand with lxc-cgroup: the open from the container's cgroup fails, and the printed lxc-cgroup fixes it",
              arguments: ContainerKind.runnable)
        func ruleRemovedByHand(kind: ContainerKind) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("doc-rule", unprivileged: kind.unprivileged, firstLines: kind.firstLines, lxcPath: path) { ct in
                try #require(ct.passthrough("add", ct.name, loop.device).succeeded)
                let started = ct.start()
                try #require(started.succeeded, "\(started)\n\(ct.log)")
                #expect(DoctorRun(ct).passes)
                let (major, minor) = try loop.numbers()
                let denied = run(["lxc-cgroup"] + ct.named + ["devices.deny", "b \(major):\(minor) rw"])
                try #require(denied.succeeded, "\(denied)")
                #expect(!ct.attach("dd if=\(loop.device) of=/dev/null count=1").succeeded, "the container cannot open it any more")

                let broken = DoctorRun(ct, loop.device)
                #expect(broken.result.status == 1, "\(broken)")
                let line = try broken.link(5)
                #expect(line.hasPrefix("  ✗ 5 open:") && line.contains("EPERM") && line.contains("the device rules in force") && line.hasSuffix("deny it"), "\(broken)")
                let fix = try broken.fix(5)
                if EndToEnd.claimedCgroup == "v2" {
                    // A deny written by hand may switch LXC's v2 list to deny all (it does in a list that allows all): a restart rebuilds it.
                    #expect(fix == "restart it: lxc-stop \(ct.lxcName) && lxc-start \(ct.lxcName)", "\(broken)")
                    ct.stop()
                    try #require(ct.start().succeeded, "\(ct.log)")
                } else {
                    #expect(fix.hasPrefix("lxc-cgroup \(ct.lxcName) devices.allow 'b \(major):\(minor) rw'"), "\(broken)")
                    if !kind.unprivileged {
                        // common.conf denies by default: the kernel's list shows what it allows, and this is not.
                        #expect(try broken.link(3).hasPrefix("  ✗ 3 rule: the kernel's devices.list"), "\(broken)")
                    }
                    let allowed = run(["lxc-cgroup"] + ct.named + ["devices.allow", "b \(major):\(minor) rw"])
                    try #require(allowed.succeeded, "\(allowed)")
                }
                let fixed = DoctorRun(ct, "dev0")
                #expect(fixed.passes, "\(fixed)")
                let opens = ct.attach("dd if=\(loop.device) of=/dev/null count=1 && cat /dev/null")
                #expect(opens.succeeded, "the container opens it again, and /dev/null: \(opens)")
            }
        }

        @Test("a group nobody inside is in: link 6 names the group, and adding an account to it fixes it", arguments: ContainerKind.runnable)
        func missingGroupMembership(kind: ContainerKind) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("doc-group", unprivileged: kind.unprivileged, firstLines: kind.firstLines, lxcPath: path) { ct in
                let group = ct.directory + "/rootfs/etc/group"
                try (try String(contentsOfFile: group, encoding: .utf8) + "render:x:107:\n").write(toFile: group, atomically: false, encoding: .utf8)
                try #require(ct.passthrough("add", ct.name, loop.device, "--gid", "render").succeeded)
                let started = ct.start()
                try #require(started.succeeded, "\(started)\n\(ct.log)")

                let broken = DoctorRun(ct)
                #expect(broken.result.status == 1 && broken.failed == [6], "\(broken)")
                #expect(try broken.link(6).contains("no account inside is in group render (107)"), "\(broken)")
                #expect(try broken.fix(6).hasPrefix("inside: usermod -aG render USER"), "\(broken)")

                let joined = ct.attach("sed -i 's/^render:x:107:$/render:x:107:root/' /etc/group")
                try #require(joined.succeeded, "\(joined)")
                let fixed = DoctorRun(ct)
                #expect(fixed.passes, "\(fixed)")
                #expect(try fixed.link(6).contains("group render (107): root"), "\(fixed)")
            }
        }

        @Test("an entry added after the start: link 9 says the running container has nothing of it, and a restart fixes it",
              arguments: ContainerKind.runnable)
        func addedAfterStart(kind: ContainerKind) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("doc-late", unprivileged: kind.unprivileged, firstLines: kind.firstLines, lxcPath: path) { ct in
                let started = ct.start()
                try #require(started.succeeded, "\(started)\n\(ct.log)")
                try #require(ct.passthrough("add", ct.name, loop.device).succeeded)

                let broken = DoctorRun(ct, "dev0")
                #expect(broken.result.status == 1, "\(broken)")
                let line = try broken.link(9)
                #expect(line.hasPrefix("  ✗ 9 start:"), "\(broken)")
                #expect(line.contains("started before the entry was added") || line.contains("no record of this run"), "\(broken)")
                #expect(try broken.fix(9) == "restart it: lxc-stop \(ct.lxcName) && lxc-start \(ct.lxcName)", "\(broken)")
                #expect(try broken.link(4).hasPrefix("  ✗ 4 node inside: no node at \(loop.device)"), "\(broken)")

                ct.stop()
                try #require(ct.start().succeeded, "\(ct.log)")
                let fixed = DoctorRun(ct, "dev0")
                #expect(fixed.passes, "\(fixed)")
            }
        }

        @Test("a udev rule inside that sets the device's group: link 7 names its file and line", arguments: ContainerKind.runnable)
        func udevRuleInside(kind: ContainerKind) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("doc-udev", unprivileged: kind.unprivileged, firstLines: kind.firstLines, lxcPath: path) { ct in
                try #require(ct.passthrough("add", ct.name, loop.device).succeeded)
                let started = ct.start()
                try #require(started.succeeded, "\(started)\n\(ct.log)")
                let made = ct.attach("mkdir -p /etc/udev/rules.d && echo 'SUBSYSTEM==\"block\", KERNEL==\"loop[0-9]*\", GROUP=\"disk\", MODE=\"0600\"' > /etc/udev/rules.d/60-loop.rules")
                try #require(made.succeeded, "\(made)")

                let broken = DoctorRun(ct)
                #expect(broken.result.status == 1 && broken.failed == [7], "\(broken)")
                #expect(try broken.link(7).contains("/etc/udev/rules.d/60-loop.rules:1 names it"), "\(broken)")
                #expect(try broken.fix(7).hasPrefix("inside: remove or change that rule"), "\(broken)")

                try #require(ct.attach("rm /etc/udev/rules.d/60-loop.rules").succeeded)
                let fixed = DoctorRun(ct)
                #expect(fixed.passes, "\(fixed)")
            }
        }

        @Test("the device given to two containers: link 8 names the other one's entry, and removing it fixes it", arguments: ContainerKind.runnable)
        func givenToTwoContainers(kind: ContainerKind) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("doc-two-a", unprivileged: kind.unprivileged, firstLines: kind.firstLines, lxcPath: path) { ct in
                try withContainer("doc-two-b", unprivileged: kind.unprivileged, firstLines: kind.firstLines, lxcPath: path) { other in
                    try #require(ct.passthrough("add", ct.name, loop.device).succeeded)
                    try #require(other.passthrough("add", other.name, loop.device).succeeded)
                    let started = other.start()
                    try #require(started.succeeded, "\(started)\n\(other.log)")

                    let broken = DoctorRun(ct)
                    #expect(broken.result.status == 1 && broken.failed == [8], "\(broken)")
                    let line = try broken.link(8)
                    #expect(line.contains("container \(other.name)'s dev0 names it"), "\(broken)")
                    #expect(try broken.fix(8) == "lxc-passthrough remove \(other.ourName) dev0", "\(broken)")

                    try #require(other.passthrough("remove", other.name, "dev0").succeeded)
                    // The running one still has it until it stops: its grant is named next.
                    let granted = DoctorRun(ct)
                    let grantLine = try granted.link(8)
                    #expect(granted.failed == [8] && grantLine.contains("running container \(other.name) was given it (dev0)"), "\(granted)")
                    other.stop()
                    let fixed = DoctorRun(ct)
                    #expect(fixed.passes, "\(fixed)")
                }
            }
        }

        @Test("a node whose owner is outside the id map: link 4 says nobody, and a restart fixes it")
        func ownerOutsideTheIDMap() throws {
            try #require(EndToEnd.canRunUnprivileged, "needs subordinate ids for an unprivileged container")
            let kind = ContainerKind.unprivilegedUserns
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("doc-owner", unprivileged: true, firstLines: kind.firstLines, lxcPath: path) { ct in
                try #require(ct.passthrough("add", ct.name, loop.device).succeeded)
                let started = ct.start()
                try #require(started.succeeded, "\(started)\n\(ct.log)")
                let pid = try #require(ct.initPID)
                // Host root changes the node in the container's mount namespace to ids the container does not map.
                let chowned = run(["nsenter", "-t", "\(pid)", "-m", "chown", "5000000:5000000", loop.device])
                try #require(chowned.succeeded, "\(chowned)")

                let broken = DoctorRun(ct)
                #expect(broken.result.status == 1 && broken.failed.contains(4), "\(broken)")
                #expect(try broken.link(4).contains("its owner is nobody (host 5000000, outside the id map)"), "\(broken)")
                #expect(try broken.fix(4) == "restart it: lxc-stop \(ct.lxcName) && lxc-start \(ct.lxcName)", "\(broken)")

                ct.stop()
                try #require(ct.start().succeeded, "\(ct.log)")
                let fixed = DoctorRun(ct)
                #expect(fixed.passes, "\(fixed)")
            }
        }

        @Test("usage: an entry the container does not have is 64, --json is an array of links")
        func usageAndJSON() throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("doc-usage", unprivileged: false, lxcPath: path) { ct in
                try #require(ct.passthrough("add", ct.name, loop.device).succeeded)
                let unknown = ct.passthrough("doctor", ct.name, "dev9")
                #expect(unknown.status == 64 && unknown.error.contains("has no entry 'dev9'"), "\(unknown)")
                let json = ct.passthrough("doctor", ct.name, "--json")
                #expect(json.status == 0, "\(json)")
                let parsed = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]]
                let links = try #require(parsed?.first?["links"] as? [[String: Any]], "\(json)")
                #expect(links.count == 9 && links.map { $0["link"] as? Int } == Array(1...9).map { $0 }, "\(json)")
                #expect(links[3]["result"] as? String == "skip", "not running: link 4 does not apply: \(json)")
            }
        }
    }
}

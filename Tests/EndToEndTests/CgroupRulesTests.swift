import Foundation
import Glibc
import Testing

/// The two kinds of container the rules must be right for.
enum ContainerKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    /// Privileged, including LXC's common.conf: denies devices by default.
    case privilegedCommon = "privileged with common.conf"
    /// Unprivileged, with common.conf then userns.conf, which empties the rule lists.
    case unprivilegedUserns = "unprivileged with userns.conf"

    var testDescription: String { rawValue }
    var unprivileged: Bool { self == .unprivilegedUserns }
    var firstLines: [String] {
        switch self {
        case .privilegedCommon: return ["lxc.include = /usr/share/lxc/config/common.conf"]
        case .unprivilegedUserns: return ["lxc.include = /usr/share/lxc/config/common.conf", "lxc.include = /usr/share/lxc/config/userns.conf"]
        }
    }

    static var runnable: [ContainerKind] { EndToEnd.canRunUnprivileged ? allCases : [.privilegedCommon] }
}

func passthrough(_ arguments: String...) -> CommandResult {
    run([EndToEnd.command] + arguments)
}

extension EndToEndTests {
    @Suite("lxc-passthrough and device cgroup rules",
           .enabled(if: EndToEnd.canRunContainers && EndToEnd.hasCommand, "needs root, lxc, busybox-static, the hooks and lxc-passthrough installed"))
    struct CgroupRulesTests {
        @Test("a plain device is readable and writable, a deny-write one only readable, /dev/null keeps working",
              arguments: ContainerKind.runnable)
        func readWriteAndDenyWrite(kind: ContainerKind) throws {
            let writable = try LoopDevice(), readOnly = try LoopDevice()
            defer { writable.remove(); readOnly.remove() }
            try withContainer("rules", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                let added = passthrough("add", ct.name, writable.device)
                try #require(added.succeeded, "\(added)")
                let addedReadOnly = passthrough("add", ct.name, readOnly.device, "--deny-write")
                try #require(addedReadOnly.succeeded, "\(addedReadOnly)")
                let listed = passthrough("list", ct.name, "--json")
                #expect(listed.output.components(separatedBy: "\"status\": \"ready\"").count == 3, "both ready: \(listed.output)")

                let started = ct.start()
                try #require(started.succeeded, "start failed: \(started)\n\(ct.log)")
                let rw = writable.device, ro = readOnly.device
                #expect(ct.attach("dd if=\(rw) of=/tmp/r bs=512 count=1").succeeded, "read \(rw)")
                let write = ct.attach("printf rw-\(ct.name) | dd of=\(rw) conv=notrunc && sync")
                #expect(write.succeeded, "write \(rw): \(write)")
                #expect(writable.imagePrefix(3 + ct.name.utf8.count) == "rw-\(ct.name)")
                #expect(ct.attach("exec 3<>\(rw) && printf RW >&3").succeeded, "read-write open of \(rw)")

                #expect(ct.attach("dd if=\(ro) of=/tmp/r bs=512 count=1").succeeded, "read \(ro)")
                #expect(!ct.attach("printf no | dd of=\(ro) conv=notrunc").succeeded, "write-only open of \(ro) fails")
                #expect(!ct.attach("exec 3<>\(ro) && printf no >&3").succeeded, "read-write open of \(ro) fails")
                _ = ct.attach("sync")
                #expect(readOnly.imagePrefix(2) == "\0\0", "nothing reached the read-only device")

                #expect(ct.attach("echo x > /dev/null && cat /dev/null && head -c 1 /dev/zero | od -An -tx1 | grep -q 00").succeeded,
                        "/dev/null and /dev/zero still work")
            }
        }

        @Test("a device that came back with a new number refuses the start until sync",
              arguments: ContainerKind.runnable.filter { $0 == .privilegedCommon })
        func replugged(kind: ContainerKind) throws {
            let first = try LoopDevice(), second = try LoopDevice()
            defer { first.remove(); second.remove() }
            try withHostDevices { host in
                let link = try host.symlink("serial/by-id/usb-adapter", to: first.device)
                try withContainer("replug", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                    try #require(passthrough("add", ct.name, link).succeeded)
                    try #require(ct.start().succeeded, "\(ct.log)")
                    ct.stop()
                    // "Plugged in again": the same path now names another device.
                    try FileManager.default.removeItem(atPath: link)
                    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: second.device)
                    let refused = ct.startInForeground()
                    #expect(!refused.succeeded)
                    #expect(refused.error.contains("dev0 (\(link))") && refused.error.contains("lxc-passthrough sync \(ct.name)"), "\(refused.error)")
                    #expect(EndToEnd.hostPassthroughMounts().isEmpty)
                    let check = passthrough("check", ct.name)
                    #expect(check.status == 1 && check.error.contains("dev0 (\(link))") && check.error.contains("lxc-passthrough sync"), "\(check)")
                    try #require(passthrough("sync", ct.name).succeeded)
                    #expect(passthrough("check", ct.name).succeeded)
                    let started = ct.start()
                    try #require(started.succeeded, "\(started)\n\(ct.log)")
                    #expect(ct.attach("dd if=\(link) of=/tmp/r bs=512 count=1").succeeded)
                }
            }
        }

        @Test("two adds at once, fifty times, lose nothing")
        func concurrentAdds() throws {
            let a = try LoopDevice(), b = try LoopDevice()
            defer { a.remove(); b.remove() }
            try withContainer("race", unprivileged: false) { ct in
                for round in 1...50 {
                    let group = DispatchGroup()
                    final class Results: @unchecked Sendable { var values: [CommandResult] = []; let lock = NSLock() }
                    let results = Results()
                    let name = ct.name
                    for device in [a.device, b.device] {
                        group.enter()
                        DispatchQueue.global().async {
                            let result = passthrough("add", name, device)
                            results.lock.lock(); results.values.append(result); results.lock.unlock()
                            group.leave()
                        }
                    }
                    group.wait()
                    let allSucceeded = results.values.allSatisfy { $0.succeeded }
                    #expect(allSucceeded, "round \(round): \(results.values)")
                    let config = try String(contentsOfFile: ct.configPath, encoding: .utf8)
                    let entries = config.split(separator: "\n").filter { $0.hasPrefix("dev") }
                    #expect(Set(entries) == ["dev0: \(a.device)", "dev1: \(b.device)"] || Set(entries) == ["dev0: \(b.device)", "dev1: \(a.device)"],
                            "round \(round): \(entries)")
                    #expect(passthrough("remove", ct.name, a.device).succeeded && passthrough("remove", ct.name, b.device).succeeded)
                }
                let leftovers = try FileManager.default.contentsOfDirectory(atPath: ct.directory).filter { $0.hasPrefix(".config") }
                #expect(leftovers.isEmpty, "no temporary files: \(leftovers)")
            }
        }

        @Test("sync keeps every other line of the config byte for byte, and the config's mode")
        func syncKeepsTheRest() throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("keep", unprivileged: false, firstLines: ["# a comment\r", "", "lxc.include = /usr/share/lxc/config/common.conf"]) { ct in
                let before = try Data(contentsOf: URL(fileURLWithPath: ct.configPath))
                let mode = (try FileManager.default.attributesOfItem(atPath: ct.configPath))[.posixPermissions] as? Int
                try #require(passthrough("add", ct.name, loop.device).succeeded)
                let after = try Data(contentsOf: URL(fileURLWithPath: ct.configPath))
                let text = String(decoding: after, as: UTF8.self)
                #expect(text.contains("dev0: \(loop.device)\n") && text.contains("lxc.cgroup2.devices.allow = b 7:"))
                #expect((try FileManager.default.attributesOfItem(atPath: ct.configPath))[.posixPermissions] as? Int == mode)
                try #require(passthrough("remove", ct.name, "dev0").succeeded)
                let restored = try Data(contentsOf: URL(fileURLWithPath: ct.configPath))
                #expect(restored == before, "back to the very same bytes")
            }
        }

        @Test("every help text is there", arguments: [[], ["add"], ["remove"], ["sync"], ["list"], ["check"]])
        func help(subcommand: [String]) {
            let result = run([EndToEnd.command] + subcommand + ["--help"])
            #expect(result.succeeded && result.output.contains("USAGE: lxc-passthrough"), "\(result)")
        }

        @Test("bad input gets a clear error and exit status 1 or 64")
        func refusals() throws {
            try withContainer("refuse", unprivileged: false) { ct in
                let missing = passthrough("add", ct.name, "/dev/lxcpt-nothing-here")
                #expect(missing.status == 1 && missing.error.contains("/dev/lxcpt-nothing-here") && missing.error.contains("ENOENT"), "\(missing)")
                let mode = passthrough("add", ct.name, "/dev/null", "--mode", "4660")
                #expect(mode.status == 64 && mode.error.contains("4660"), "\(mode)")
                let unknown = passthrough("list", "ptest-no-such-container")
                #expect(unknown.status == 1 && unknown.error.contains("no container 'ptest-no-such-container'"), "\(unknown)")
                let remove = passthrough("remove", ct.name, "dev9")
                #expect(remove.status == 1 && remove.error.contains("dev9"), "\(remove)")
            }
        }
    }
}

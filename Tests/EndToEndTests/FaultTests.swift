import Foundation
import Glibc
import Testing

extension EndToEndTests {
    @Suite("faults: a killed hook, a vanished device, two containers, one device",
           .enabled(if: EndToEnd.canRunContainers, EndToEnd.skipReason))
    struct FaultTests {
        @Test("pre-start killed at a step: the start fails, the next one works with one tmpfs",
              arguments: ["kill-after-mount", "kill-after-half", "kill-before-list"])
        func killedPrestart(step: String) throws {
            let loops = [try LoopDevice(), try LoopDevice()]
            defer { loops.forEach { $0.remove() } }
            try withContainer("killed", unprivileged: false) { ct in
                try ct.append("dev0: \(loops[0].device)", "dev1: \(loops[1].device)")
                let killed = run(["env", "LXC_PASSTHROUGH_FAULT=\(step)", "lxc-start", "-n", ct.name, "-d", "-o", ct.logPath, "-l", "DEBUG"])
                #expect(!killed.succeeded, "the start fails when pre-start dies")
                _ = run(["lxc-wait", "-n", ct.name, "-s", "STOPPED", "-t", "10"])
                #expect(ct.state == "STOPPED")
                #expect(EndToEnd.hostPassthroughMounts().isEmpty, "nothing on the host")
                let started = ct.start()
                try #require(started.succeeded, "\(started)\n\(ct.log)")
                #expect(ct.attach("[ -b \(loops[0].device) ] && [ -b \(loops[1].device) ]").succeeded)
                #expect(ct.monitorPassthroughMounts().count == 1)
            }
        }

        @Test("two containers starting at once with the same device both get it", arguments: [false, true].filter { !$0 || EndToEnd.canRunUnprivileged })
        func twoContainersOneDevice(secondUnprivileged: Bool) throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            let first = try Container("twin-a", unprivileged: false)
            defer { first.destroy() }
            let second = try Container("twin-b", unprivileged: secondUnprivileged)
            defer { second.destroy() }
            try first.append("dev0: \(loop.device),uid=1")
            try second.append("dev0: \(loop.device),uid=2")
            let group = DispatchGroup()
            final class Box: @unchecked Sendable { var results: [String: CommandResult] = [:]; let lock = NSLock() }
            let box = Box()
            for name in [first.name, second.name] {
                group.enter()
                DispatchQueue.global().async {
                    let result = run(["lxc-start", "-n", name, "-d"])
                    box.lock.lock(); box.results[name] = result; box.lock.unlock()
                    group.leave()
                }
            }
            group.wait()
            #expect(box.results.values.allSatisfy { $0.succeeded }, "\(box.results)")
            for container in [first, second] {
                _ = run(["lxc-wait", "-n", container.name, "-s", "RUNNING", "-t", "10"])
                #expect(container.attach("[ -b \(loop.device) ]").succeeded, "\(container.name) has the device")
            }
            #expect(first.describe(loop.device).hasSuffix(" 1:0"))
            #expect(second.describe(loop.device).hasSuffix(" 2:0"))
        }

        @Test("a device removed between pre-start and autodev: the start keeps the node pre-start made; the next start is refused by name until the device is back")
        func deviceRemovedBeforeAutodev() throws {
            try withHostDevices { host in
                let node = try host.zero("vanishing")
                // A second pre-start hook, after ours, removes the host device.
                let remover = "/tmp/lxcpt-e2e-remove-\(UInt32.random(in: 0...0xffffff)).sh"
                try "#!/bin/sh\nrm -f '\(node)'\n".write(toFile: remover, atomically: true, encoding: .utf8)
                chmod(remover, 0o755)
                defer { try? FileManager.default.removeItem(atPath: remover) }
                try withContainer("vanish", unprivileged: false) { ct in
                    try ct.append("dev0: \(node)", "lxc.hook.pre-start = \(remover)")
                    let started = ct.start()
                    // The node pre-start made is a copy in our tmpfs: it still names 1:5, so the container gets it.
                    try #require(started.succeeded, "\(started)\n\(ct.log)")
                    #expect(ct.attach("[ -c '\(node)' ]").succeeded)
                    ct.stop()
                    #expect(EndToEnd.hostPassthroughMounts().isEmpty)
                    // Without the device on the host, the next start is refused by name.
                    let refused = ct.startInForeground()
                    #expect(!refused.succeeded && refused.error.contains("dev0 (\(node))") && refused.error.contains("ENOENT"), "\(refused.error)")
                    // Device back (and no remover): the start works.
                    try host.zero("vanishing")
                    let config = try String(contentsOfFile: ct.configPath, encoding: .utf8).replacingOccurrences(of: "lxc.hook.pre-start = \(remover)\n", with: "")
                    try config.write(toFile: ct.configPath, atomically: false, encoding: .utf8)
                    let again = ct.start()
                    try #require(again.succeeded, "\(again)\n\(ct.log)")
                    #expect(ct.attach("[ -c '\(node)' ]").succeeded)
                }
            }
        }
    }
}

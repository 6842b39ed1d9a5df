import Foundation
import Glibc
import Testing

extension EndToEndTests {
@Suite("restarts, reboots and killed starts leave no mounts", .enabled(if: EndToEnd.canRunContainers, EndToEnd.skipReason))
struct LifecycleTests {
    @Test("stop and start ten times", arguments: DevicePassthroughTests.kinds)
    func tenRestarts(unprivileged: Bool) throws {
        let loop = try LoopDevice()
        defer { loop.remove() }
        try withContainer("restart", unprivileged: unprivileged) { ct in
            try ct.append("dev0: \(loop.device)")
            for round in 1...10 {
                let started = ct.start()
                try #require(started.succeeded, "round \(round): \(started)\n\(ct.log)")
                #expect(ct.attach("[ -b \(loop.device) ]").succeeded, "round \(round): device present")
                #expect(ct.monitorPassthroughMounts().count == 1, "round \(round): exactly one tmpfs in the monitor")
                #expect(EndToEnd.hostPassthroughMounts().isEmpty, "round \(round): nothing on the host while running")
                ct.stop(kill: round % 2 == 0)
                #expect(ct.state == "STOPPED")
                #expect(EndToEnd.hostPassthroughMounts().isEmpty, "round \(round): nothing on the host after stop")
                #expect(!FileManager.default.fileExists(atPath: ct.directory + "/lxc-passthrough"), "round \(round): directory removed")
            }
        }
    }

    @Test("a reboot from inside the container keeps one tmpfs and the device", arguments: DevicePassthroughTests.kinds)
    func rebootFromInside(unprivileged: Bool) throws {
        let loop = try LoopDevice()
        defer { loop.remove() }
        try withContainer("reboot", unprivileged: unprivileged) { ct in
            try ct.append("dev0: \(loop.device)")
            try #require(ct.start().succeeded, "\(ct.log)")
            let firstInit = try #require(ct.initPID)
            let monitor = ct.monitorPID
            ct.attach("reboot")
            var rebooted = false
            for _ in 0..<100 {
                usleep(100_000)
                if let pid = ct.initPID, pid != firstInit, ct.state == "RUNNING" { rebooted = true; break }
            }
            try #require(rebooted, "the container came back with a new init\n\(ct.log)")
            #expect(ct.monitorPID == monitor, "the same monitor")
            #expect(ct.attach("[ -b \(loop.device) ]").succeeded, "device present after reboot")
            #expect(ct.monitorPassthroughMounts().count == 1, "no stacked tmpfs: \(ct.monitorPassthroughMounts())")
            #expect(EndToEnd.hostPassthroughMounts().isEmpty)
        }
    }

    @Test("a start after a killed one works", arguments: DevicePassthroughTests.kinds)
    func startAfterKilled(unprivileged: Bool) throws {
        let loop = try LoopDevice()
        defer { loop.remove() }
        try withContainer("killed", unprivileged: unprivileged) { ct in
            try ct.append("dev0: \(loop.device)")
            try #require(ct.start().succeeded, "\(ct.log)")
            let monitor = try #require(ct.monitorPID)
            kill(pid_t(monitor), SIGKILL)
            _ = run(["lxc-wait", "-n", ct.name, "-s", "STOPPED", "-t", "10"])
            #expect(ct.state == "STOPPED")
            #expect(EndToEnd.hostPassthroughMounts().isEmpty, "nothing left on the host by the killed monitor")
            let again = ct.start()
            try #require(again.succeeded, "\(again)\n\(ct.log)")
            #expect(ct.attach("[ -b \(loop.device) ]").succeeded)
            #expect(ct.monitorPassthroughMounts().count == 1)
        }
    }
}
}

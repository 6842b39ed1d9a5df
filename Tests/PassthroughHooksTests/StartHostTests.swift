import Foundation
import Glibc
import PassthroughModel
import PassthroughSystem
import Testing
@testable import PassthroughHooks

extension RootIntegrationTests {
    @Suite("which processes a container is: pre-start records its monitor, start-host its init")
    struct StartHostTests {
        @Test func preStartRecordsTheMonitorAndStartHostTheInit() throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                try RootFixture.writeFile(container + "/config", "lxc.uts.name = ct\n")
                let info = try FileSystem.status(container)
                // This process stands for the monitor's child (the container's init): its parent, for the monitor.
                try Prestart.run(try RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"), records: scratch.records)
                let starting = try #require(try scratch.records.readRun(for: info))
                #expect(starting.initProcess == nil, "starting: no init yet")
                let cgroup = RunRecord.CgroupDirectory(path: "/lxc.payload.ct", device: 35, inode: 1207)
                var askedFor: Int32?
                let recorded = try StartHost.run(
                    try RootFixture.context("start-host", container: container), initPID: String(getpid()), records: scratch.records,
                    devicesCgroup: { pid in
                        askedFor = pid
                        return cgroup
                    })
                #expect(recorded.monitor.pid == getppid())
                #expect(askedFor == getpid() && recorded.devices == cgroup, "the init's devices cgroup is recorded with it")
                #expect(recorded.initProcess == RunRecord.Process(pid: getpid(), startedAt: try ProcessStatus.read("self").startedAt))
                #expect(try scratch.records.readRun(for: info) == recorded)
                try Poststop.run(try RootFixture.context("post-stop", container: container), records: scratch.records)
                #expect(try scratch.records.readRun(for: info) == nil, "post-stop removes it")
            }
        }

        @Test("start-host refuses an LXC_PID that is not this start's init", arguments: [nil, "", "abc", "1", "-5"] as [String?])
        func refusesWhatIsNoInit(_ value: String?) throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                let context = try RootFixture.context("start-host", container: container)
                #expect { try StartHost.run(context, initPID: value, records: scratch.records) } throws: {
                    "\($0)".hasPrefix("LXC_PID is ")
                }
                #expect(try scratch.records.readRun(for: try FileSystem.status(container)) == nil)
            }
        }

        @Test func startHostRefusesAProcessWhoseParentDoesNotRunIt() throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                let context = try RootFixture.context("start-host", container: container)
                // A child of this process: its parent is no ancestor of this process.
                let child = Process()
                child.executableURL = URL(fileURLWithPath: "/bin/sleep")
                child.arguments = ["30"]
                try child.run()
                defer {
                    kill(child.processIdentifier, SIGKILL)
                    child.waitUntilExit()
                }
                #expect { try StartHost.run(context, initPID: String(child.processIdentifier), records: scratch.records) } throws: {
                    "\($0)".contains("is not a child of the monitor running this hook")
                }
                #expect(try scratch.records.readRun(for: try FileSystem.status(container)) == nil)
            }
        }
    }
}

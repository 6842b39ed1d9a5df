import Foundation
import Glibc
import Testing

/// A C program beside the tests, built once with `cc` (or the toolchain's `clang`) into /tmp;
/// with `shim`, linked with that file of the package's CNamespaceShims, whose functions it calls.
enum TestProgram {
    static func build(_ relative: String, shim: String? = nil) -> Result<String, Container.Failure> {
        let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        let source = here.appendingPathComponent(relative).path
        let shims = here.appendingPathComponent("../../Sources/CNamespaceShims").standardized.path
        let linked = shim.map { [shims + "/" + $0, "-I", shims + "/include"] } ?? []
        let directory = "/tmp/lxcpt-e2e-programs-\(getpid())"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, 0o755)
        guard let compiler = ["cc", "clang"].first(where: { sh("command -v \($0)").succeeded }) else {
            return .failure(Container.Failure("no C compiler (cc or clang) in PATH to build \(source)"))
        }
        let path = directory + "/" + URL(fileURLWithPath: relative).deletingPathExtension().lastPathComponent
        let built = run([compiler, "-O2", "-Wall", "-Wextra", "-Werror", "-o", path, source] + linked)
        return built.succeeded ? .success(path) : .failure(Container.Failure("\(compiler) could not build \(relative): \(built)"))
    }
}

/// The host's record of a container's processes (`RunRecord`): `/run/lxc-passthrough/DEV-INO.run`.
func runRecordPath(of ct: Container) throws -> String {
    var info = stat()
    try #require(lstat(ct.directory, &info) == 0, "\(ct.directory)")
    return "/run/lxc-passthrough/\(info.st_dev)-\(info.st_ino).run"
}

/// A FUSE file system whose server never answers (SilentFuse/silent-fuse.c),
/// mounted in a container's mount namespace: what a hostile container can
/// put on the way to a path.
final class SilentFuse {
    static let program = TestProgram.build("SilentFuse/silent-fuse.c")
    let process = Process()

    init(inMountNamespaceOf pid: Int, at path: String) throws {
        process.executableURL = URL(fileURLWithPath: try SilentFuse.program.get())
        process.arguments = [String(pid), path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableDataUntilNewline(), as: UTF8.self)
        guard line == "ready" else {
            process.terminate()
            throw Container.Failure("silent-fuse \(pid) \(path): \(line)")
        }
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

/// `stand-in-monitor` (StandInMonitor/stand-in-monitor.c), built once, run as
/// an unprivileged local user (uid and gid 65534) on a container's command
/// socket name: what anyone on the host can do while that container is stopped.
final class StandInMonitor {
    static let program = TestProgram.build("StandInMonitor/stand-in-monitor.c")

    let process = Process()
    let pid: Int32

    /// Binds `@NAME` (liblxc's command socket name of `container`, or `name`
    /// as given) and answers as a monitor (`answering`) or never (`silent`).
    init(_ mode: String, name: String, cgroup: String = "/") throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", try StandInMonitor.program.get(), mode, name, cgroup]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableDataUntilNewline(), as: UTF8.self)
        guard line.hasPrefix("ready "), let pid = Int32(line.dropFirst(6).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            process.terminate()
            throw Container.Failure("stand-in-monitor \(mode) \(name): \(line)")
        }
        self.pid = pid
    }

    static func socketName(of container: Container) -> String { "/var/lib/lxc/\(container.name)/command" }

    /// What is in the stand-in's own /dev (an empty tmpfs of its own when it answers).
    var devEntries: [String] { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/root/dev")) ?? ["(unreadable)"] }

    deinit {
        kill(pid, SIGKILL)
        process.waitUntilExit()
    }
}

extension FileHandle {
    /// Reads until a newline or the end.
    func availableDataUntilNewline() -> Data {
        var data = Data()
        while true {
            let byte = readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { return data }
            data.append(byte)
        }
    }
}

extension EndToEndTests {
    @Suite("trust: whether a container runs, and which processes it is, come from the host's own records",
           .enabled(if: EndToEnd.canRunContainers && EndToEnd.hasCommand && FileManager.default.fileExists(atPath: "/dev/loop-control")
                        && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"),
                    "needs root, lxc, busybox-static, the hooks and lxc-passthrough installed, /dev/loop-control and setpriv"))
    struct HostTruthTests {
        /// A running container with an optional loop device that is plugged in
        /// after the watcher started: proof that the watcher looked at every
        /// container again (the stand-in's one included) and was not held up.
        func withControl(_ body: (Container, PluggedLoop.Type, Int) throws -> Void) throws {
            try withContainer("control", unprivileged: false, firstLines: ContainerKind.privilegedCommon.firstLines) { control in
                let number = LoopControl.freeNumber()
                try #require(passthrough("add", control.name, "/dev/loop\(number)", "--required=0").succeeded)
                try #require(control.start().succeeded, "\(control.log)")
                try body(control, PluggedLoop.self, number)
            }
        }

        @Test("a local user's stand-in monitor on a stopped container's socket gets no device: the watcher and attach do not believe it")
        func standInMonitorGetsNothing() throws {
            let image = try ImageFile(), controlImage = try ImageFile()
            let loop = try PluggedLoop(number: LoopControl.freeNumber(), image: image.path)
            try withContainer("stopped", unprivileged: false, firstLines: ContainerKind.privilegedCommon.firstLines) { stopped in
                try #require(passthrough("add", stopped.name, loop.device).succeeded)
                let impostor = try StandInMonitor("answer", name: StandInMonitor.socketName(of: stopped))
                // LXC's own tools believe it: the attack is real.
                #expect(stopped.state == "RUNNING", "lxc-info takes the stand-in for the monitor")
                try withControl { control, _, number in
                    let watcher = try WatcherProcess()
                    let controlLoop = try PluggedLoop(number: number, image: controlImage.path)
                    #expect(eventually { control.opens(controlLoop.device) }, "the watcher followed the uevent: \(watcher.log)")
                    // The event made every container be looked at again; the stopped one gets nothing.
                    let attached = passthrough("attach", stopped.name, loop.device, "--temporary")
                    #expect(!attached.succeeded && attached.error.contains("is not running"), "\(attached)")
                    #expect(impostor.devEntries == [], "nothing was put in the stand-in's /dev: \(impostor.devEntries)")
                    #expect(!watcher.log.contains("\(stopped.name): dev0"), "\(watcher.log)")
                    let listed = passthrough("list", stopped.name)
                    #expect(listed.succeeded && !listed.output.contains(" rw "), "\(listed)")
                    withExtendedLifetime(controlLoop) {}
                }
            }
        }

        @Test("a silent socket on a stopped container's name, and one named with ../, stall nothing: another container's replug is followed, list answers")
        func silentSocketsStallNothing() throws {
            let controlImage = try ImageFile()
            try withContainer("silent", unprivileged: false, firstLines: ContainerKind.privilegedCommon.firstLines) { stopped in
                try #require(passthrough("add", stopped.name, "/dev/null", "--required=0").succeeded)
                let silent = try StandInMonitor("silent", name: StandInMonitor.socketName(of: stopped))
                let forged = try StandInMonitor("silent", name: "/var/lib/lxc/../../../tmp/lxcpt-forged/command")
                try withControl { control, _, number in
                    let watcher = try WatcherProcess()
                    let controlLoop = try PluggedLoop(number: number, image: controlImage.path)
                    #expect(eventually(seconds: 5) { control.opens(controlLoop.device) }, "followed while the silent socket is there: \(watcher.log)")
                    let listed = run(["timeout", "10", EndToEnd.command, "list"])
                    #expect(listed.succeeded, "list answers: \(listed)")
                    #expect(listed.output.contains(stopped.name) && !listed.output.contains("lxcpt-forged"), "\(listed.output)")
                    #expect(!watcher.log.contains("lxcpt-forged") && !watcher.log.contains("../"), "\(watcher.log)")
                    #expect(watcher.stops(within: 1), "SIGTERM stops it within a second")
                    #expect(watcher.log.contains("stopping on signal \(SIGTERM)"))
                    withExtendedLifetime((silent, forged, controlLoop)) {}
                }
            }
        }

        @Test("fail closed: a container that keeps its node from being removed (chmod 0311 /dev) cannot open the old device after its link moves; once it lets go, the new device comes",
              .enabled(if: EndToEnd.canRunUnprivileged, EndToEnd.skipReasonUnprivileged))
        func failClosed() throws {
            let first = try ImageFile(), second = try ImageFile()
            let numberA = LoopControl.freeNumber(), numberB = LoopControl.freeNumber()
            try #require(numberA != numberB)
            let loopA = try PluggedLoop(number: numberA, image: first.path)
            try withHostDevices { host in
                let link = try host.symlink("disk/by-id/usb-Stick_A", to: loopA.device)
                let kind = ContainerKind.unprivilegedUserns
                try withContainer("closed", unprivileged: true, firstLines: kind.firstLines) { ct in
                    try #require(passthrough("add", ct.name, link, "--mp", "/dev/stick", "--mode", "0666").succeeded)
                    let watcher = try WatcherProcess()
                    try #require(ct.start().succeeded, "\(ct.log)")
                    try #require(ct.opens("/dev/stick"))
                    try #require(ct.attach("chmod 0311 /dev").succeeded)

                    // The link moves to another device; the old one stays plugged in.
                    let loopB = try PluggedLoop(number: numberB, image: second.path)
                    try FileManager.default.removeItem(atPath: link)
                    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: loopB.device)
                    let left = "\(ct.name): dev0 (\(link)): access to b 7:\(numberA) is taken back, but its node cannot be taken out"
                    #expect(eventually { watcher.log.contains(left) }, "\(watcher.log)")
                    let opened = ct.attach("exec 3< /dev/stick")
                    #expect(!opened.succeeded && opened.error.contains("Operation not permitted"), "the old device stays denied (EPERM): \(opened)")
                    #expect(ct.describe("/dev/stick").hasPrefix(expected("block special file", 7, numberA, mode: "666", uid: 0, gid: 0)),
                            "the node left is the old one: \(ct.describe("/dev/stick"))")
                    let listed = passthrough("list", ct.name)
                    #expect(listed.output.contains("left, denied"), "\(listed)")

                    // The container lets go: the next look takes the node out and gives the new device.
                    try #require(ct.attach("chmod 0755 /dev").succeeded)
                    try FileManager.default.removeItem(atPath: link)
                    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: loopB.device)
                    #expect(eventually { ct.describe("/dev/stick") == expected("block special file", 7, numberB, mode: "666", uid: 0, gid: 0) },
                            "\(ct.describe("/dev/stick"))\n\(watcher.log)")
                    #expect(ct.opens("/dev/stick"))
                    #expect(watcher.log.contains("is gone now"), "\(watcher.log)")
                    withExtendedLifetime(loopB) {}
                }
            }
        }

        @Test("upgrade: a container whose start left only a record of grants (as 0.5.0's hooks did) is not acted on and says it needs a restart; once restarted it is followed")
        func startedBeforeTheUpgrade() throws {
            let image = try ImageFile()
            let loop = try PluggedLoop(number: LoopControl.freeNumber(), image: image.path)
            try withContainer("upgraded", unprivileged: false, firstLines: ContainerKind.privilegedCommon.firstLines) { ct in
                try #require(passthrough("add", ct.name, loop.device, "--required=0").succeeded)
                try #require(ct.start().succeeded, "\(ct.log)")
                try #require(ct.opens(loop.device))
                // What 0.5.0's hooks leave: the grants, and no record of the container's processes.
                var info = stat()
                try #require(lstat(ct.directory, &info) == 0)
                let run = "/run/lxc-passthrough/\(info.st_dev)-\(info.st_ino).run"
                try #require(FileManager.default.fileExists(atPath: run))
                try FileManager.default.removeItem(atPath: run)
                let watcher = try WatcherProcess()
                let attached = passthrough("attach", ct.name, "/dev/null", "--temporary")
                #expect(!attached.succeeded && attached.error.contains("until it restarts"), "\(attached)")
                let listed = passthrough("list", ct.name)
                #expect(listed.error.contains("until it restarts"), "\(listed)")
                // Not followed: unplugged, its node stays (as 0.5.0 would have left it without a watcher), and the log says why.
                try loop.unplug()
                #expect(eventually { watcher.log.contains("\(ct.name): container '\(ct.name)' started before lxc-passthrough recorded") }, "\(watcher.log)")
                #expect(!watcher.log.contains("gone from the host"), "\(watcher.log)")
                #expect(ct.describe(loop.device).hasPrefix("block special file"), "its node is left as it was")
                // Restarted, it is followed.
                ct.stop()
                try loop.plug()
                try #require(ct.start().succeeded, "\(ct.log)")
                #expect(eventually { ct.opens(loop.device) })
                try loop.unplug()
                #expect(eventually { ct.lacks(loop.device) }, "followed after the restart: \(watcher.log)")
                #expect(watcher.log.contains("\(ct.name): dev0 (\(loop.device)): b 7:\(loop.number) gone from the host: access taken back, node removed"), "\(watcher.log)")
            }
        }

        @Test("a hung monitor (SIGSTOP) holds the watcher for at most its command deadline: another container's replug is followed, SIGTERM stops it, and the hung one is given its device once it answers again (on cgroup v1 at once: its rules go into its cgroup, the monitor is not asked)")
        func hungMonitorStallsNothing() throws {
            let hungImage = try ImageFile(), otherImage = try ImageFile()
            try withContainer("hung", unprivileged: false, firstLines: ContainerKind.privilegedCommon.firstLines) { hung in
                let hungNumber = LoopControl.freeNumber()
                try #require(passthrough("add", hung.name, "/dev/loop\(hungNumber)", "--required=0").succeeded)
                try #require(hung.start().succeeded, "\(hung.log)")
                // Looked up before the monitor is stopped: lxc-attach and lxc-info ask it, and would wait.
                let monitor = try #require(hung.monitorPID)
                let initPID = try #require(hung.initPID)
                try withControl { control, _, number in
                    let watcher = try WatcherProcess()
                    kill(Int32(monitor), SIGSTOP)
                    defer { kill(Int32(monitor), SIGCONT) }
                    let hungLoop = try PluggedLoop(number: hungNumber, image: hungImage.path)
                    // Start-host recorded the container's devices cgroup where rules are cgroup v1 files (and only there).
                    let run = try String(contentsOfFile: try runRecordPath(of: hung), encoding: .utf8)
                    let direct = run.contains("\ndevices ")
                    if let claimed = EndToEnd.claimedCgroup { #expect(direct == (claimed == "v1"), "\(run)") }
                    if direct {
                        #expect(eventually(seconds: 5) { watcher.log.contains("\(hung.name): dev0 (/dev/loop\(hungNumber)): b 7:\(hungNumber) given") },
                                "given while its monitor hangs: \(watcher.log)")
                        let list = try String(contentsOfFile: "/sys/fs/cgroup/devices/lxc.payload.\(hung.name)/devices.list", encoding: .utf8)
                        #expect(list.contains("b 7:\(hungNumber) rw"), "the rule is in its cgroup: \(list)")
                        #expect(FileManager.default.fileExists(atPath: "/proc/\(initPID)/root\(hungLoop.device)"), "and its node")
                        #expect(!watcher.log.contains("did not answer"), "\(watcher.log)")
                    } else {
                        #expect(eventually(seconds: 5) { watcher.log.contains("\(hung.name): dev0 (/dev/loop\(hungNumber)): cannot give") },
                                "\(watcher.log)")
                        #expect(watcher.log.contains("did not answer within 100 ms"), "\(watcher.log)")
                    }
                    let otherLoop = try PluggedLoop(number: number, image: otherImage.path)
                    #expect(eventually(seconds: 2) { control.opens(otherLoop.device) }, "followed while the other monitor hangs: \(watcher.log)")
                    if !direct {
                        #expect(!FileManager.default.fileExists(atPath: "/proc/\(initPID)/root\(hungLoop.device)"), "nothing placed without its rule")
                    }
                    // It answers again: the next change that concerns it gives it its device.
                    kill(Int32(monitor), SIGCONT)
                    try hungLoop.unplug()
                    try hungLoop.plug()
                    #expect(eventually(seconds: 5) { hung.opens(hungLoop.device) }, "\(watcher.log)")
                    kill(Int32(monitor), SIGSTOP)
                    #expect(watcher.stops(within: 1), "SIGTERM stops it within a second while a monitor hangs")
                    kill(Int32(monitor), SIGCONT)
                    withExtendedLifetime(otherLoop) {}
                }
            }
        }

        @Test("a device detached stays denied when LXC's list allows its number through another rule too (lxc-device add leaves 'b M:N rwm' beside ours): cgroup v1 takes the deny out of that rule, on v2 lxc-passthrough's own program keeps it")
        func detachedStaysDeniedBesideAnotherRule() throws {
            let loop = try LoopDevice()
            defer { loop.remove() }
            try withContainer("besiderule", unprivileged: false, firstLines: ContainerKind.privilegedCommon.firstLines) { ct in
                try #require(ct.start().succeeded, "\(ct.log)")
                let (major, minor) = try loop.numbers()
                // A process in the container's cgroup (as its start recorded it) opens the device by a node of its own.
                let runRecord = try String(contentsOfFile: try runRecordPath(of: ct), encoding: .utf8)
                let line = try #require(runRecord.split(separator: "\n").first { $0.hasPrefix("devices ") || $0.hasPrefix("cgroup2 ") })
                let fields = line.split(separator: " ")
                let procs = (fields[0] == "devices" ? "/sys/fs/cgroup/devices" : "/sys/fs/cgroup") + fields[3] + "/cgroup.procs"
                if let claimed = EndToEnd.claimedCgroup { #expect((fields[0] == "devices") == (claimed == "v1"), "\(runRecord)") }
                let node = "/tmp/lxcpt-besiderule-\(UInt32.random(in: 0...0xffffff))"
                defer { unlink(node) }
                func opens() -> CommandResult {
                    unlink(node)
                    return run(["sh", "-c", "echo $$ > '\(procs)' && mknod '\(node)' b \(major) \(minor) && exec 3< '\(node)'"])
                }
                let before = opens()
                try #require(!before.succeeded && before.error.contains("Operation not permitted"), "not given before the attach: \(before)")
                let attached = passthrough("attach", ct.name, loop.device, "--temporary")
                try #require(attached.succeeded, "\(attached)")
                try #require(opens().succeeded, "given: \(opens())")
                let allowed = run(["lxc-cgroup"] + ct.named + ["devices.allow", "b \(major):\(minor) rwm"])
                try #require(allowed.succeeded, "\(allowed)")
                let detached = passthrough("detach", ct.name, loop.device, "--temporary")
                try #require(detached.succeeded, "\(detached)")
                let denied = opens()
                #expect(!denied.succeeded && denied.error.contains("Operation not permitted"), "taken back (EPERM): \(denied)")
                // Given again by lxc-passthrough, it opens again.
                let again = passthrough("attach", ct.name, loop.device, "--temporary")
                try #require(again.succeeded, "\(again)")
                #expect(opens().succeeded, "given again: \(opens())")
            }
        }

        @Test("a detach once lxc-passthrough's device program is full (cgroup v2: 4,096 numbers) still takes access back, through LXC's own list, and says so; cgroup v1 has no such program and says nothing")
        func detachedWhenTheDenyMapIsFull() throws {
            let first = try LoopDevice(), second = try LoopDevice()
            defer { first.remove(); second.remove() }
            try withContainer("fullmap", unprivileged: false, firstLines: ContainerKind.privilegedCommon.firstLines) { ct in
                try #require(ct.start().succeeded, "\(ct.log)")
                let runRecord = try String(contentsOfFile: try runRecordPath(of: ct), encoding: .utf8)
                let line = try #require(runRecord.split(separator: "\n").first { $0.hasPrefix("devices ") || $0.hasPrefix("cgroup2 ") })
                let fields = line.split(separator: " ")
                let onV2 = fields[0] == "cgroup2"
                let cgroup = (onV2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/devices") + fields[3]
                if let claimed = EndToEnd.claimedCgroup { #expect(onV2 == (claimed == "v2"), "\(runRecord)") }
                let (major, minor) = try second.numbers()
                let node = "/tmp/lxcpt-fullmap-\(UInt32.random(in: 0...0xffffff))"
                defer { unlink(node) }
                func opens() -> CommandResult {
                    unlink(node)
                    return run(["sh", "-c", "echo $$ > '\(cgroup)/cgroup.procs' && mknod '\(node)' b \(major) \(minor) && exec 3< '\(node)'"])
                }
                // A first device given and taken back: on v2 that attaches lxc-passthrough's program, its number in the map.
                try #require(passthrough("attach", ct.name, first.device, "--temporary").succeeded)
                try #require(passthrough("detach", ct.name, first.device, "--temporary").succeeded)
                if onV2 {
                    let filled = run([try TestProgram.build("FillDenyMap/fill-deny-map.c", shim: "device_deny_program.c").get(), cgroup, "4000"])
                    try #require(filled.succeeded, "\(filled)")
                    #expect(filled.output == "4095\n", "the map held the first device's number and took 4,095 more: \(filled)")
                }
                let attached = passthrough("attach", ct.name, second.device, "--temporary")
                try #require(attached.succeeded, "\(attached)")
                try #require(opens().succeeded, "given: \(opens())")
                let detached = passthrough("detach", ct.name, second.device, "--temporary")
                try #require(detached.succeeded, "\(detached)")
                let denied = opens()
                #expect(!denied.succeeded && denied.error.contains("Operation not permitted"), "taken back (EPERM): \(denied)")
                let notice = "b \(major):\(minor): denied through LXC's own list only"
                if onV2 {
                    #expect(detached.error.contains(notice) && detached.error.contains("E2BIG") && detached.error.contains("full: 4096 numbers"), "\(detached)")
                } else {
                    #expect(!detached.error.contains(notice), "\(detached)")
                }
            }
        }

        @Test("a device taken back while the container's monitor hangs (SIGSTOP) is denied at once (cgroup v1: its cgroup's files; v2: lxc-passthrough's own device program), and stays denied; the new one is given once the monitor answers")
        func takenBackWhileTheMonitorHangs() throws {
            let first = try ImageFile(), second = try ImageFile()
            let numberA = LoopControl.freeNumber(), numberB = LoopControl.freeNumber()
            try #require(numberA != numberB)
            let loopA = try PluggedLoop(number: numberA, image: first.path)
            try withHostDevices { host in
                let link = try host.symlink("disk/by-id/usb-Stick_H", to: loopA.device)
                try withContainer("hungback", unprivileged: false, firstLines: ContainerKind.privilegedCommon.firstLines) { ct in
                    try #require(passthrough("add", ct.name, link, "--mp", "/dev/stick").succeeded)
                    let watcher = try WatcherProcess()
                    try #require(ct.start().succeeded, "\(ct.log)")
                    try #require(eventually { ct.opens("/dev/stick") }, "\(watcher.log)")
                    // A process in the container's cgroup (as its start recorded it) opens the device by a node of its own.
                    let runRecord = try String(contentsOfFile: try runRecordPath(of: ct), encoding: .utf8)
                    let line = try #require(runRecord.split(separator: "\n").first { $0.hasPrefix("devices ") || $0.hasPrefix("cgroup2 ") })
                    let fields = line.split(separator: " ")
                    let procs = (fields[0] == "devices" ? "/sys/fs/cgroup/devices" : "/sys/fs/cgroup") + fields[3] + "/cgroup.procs"
                    if let claimed = EndToEnd.claimedCgroup { #expect((fields[0] == "devices") == (claimed == "v1"), "\(runRecord)") }
                    let node = "/tmp/lxcpt-hungback-\(UInt32.random(in: 0...0xffffff))"
                    defer { unlink(node) }
                    func opensA() -> CommandResult {
                        unlink(node)
                        return run(["sh", "-c", "echo $$ > '\(procs)' && mknod '\(node)' b 7 \(numberA) && exec 3< '\(node)'"])
                    }
                    try #require(opensA().succeeded, "the container may open it while it is given: \(opensA())")

                    // Looked up before the monitor is stopped: lxc-attach and lxc-info ask it, and would wait.
                    let monitor = try #require(ct.monitorPID)
                    kill(Int32(monitor), SIGSTOP)
                    defer { kill(Int32(monitor), SIGCONT) }
                    let loopB = try PluggedLoop(number: numberB, image: second.path)
                    // As udev moves a link: a new one renamed over it.
                    func moveLink(_ link: String, to target: String) throws {
                        try FileManager.default.createSymbolicLink(atPath: link + ".new", withDestinationPath: target)
                        try #require(rename(link + ".new", link) == 0)
                    }
                    try moveLink(link, to: loopB.device)
                    let takenBack = "\(ct.name): dev0 (\(link)): b 7:\(numberA) its path names another device now: access taken back"
                    #expect(eventually(seconds: 5) { watcher.log.contains(takenBack) }, "\(watcher.log)")
                    let denied = opensA()
                    #expect(!denied.succeeded && denied.error.contains("Operation not permitted"), "the old device is denied (EPERM): \(denied)")
                    if fields[0] == "cgroup2" {
                        #expect(eventually(seconds: 2) { watcher.log.contains("b 7:\(numberA) rw: stays denied by lxc-passthrough's device program") },
                                "LXC's list could not be told, and the log says so: \(watcher.log)")
                    }

                    // The monitor answers again: the next look gives the new device; the old one stays denied.
                    kill(Int32(monitor), SIGCONT)
                    try moveLink(link, to: loopB.device)
                    #expect(eventually { ct.describe("/dev/stick").hasPrefix(expected("block special file", 7, numberB, mode: "660", uid: 0, gid: 0)) },
                            "\(ct.describe("/dev/stick"))\n\(watcher.log)")
                    #expect(ct.opens("/dev/stick"), "\(watcher.log)")
                    let still = opensA()
                    #expect(!still.succeeded && still.error.contains("Operation not permitted"), "taken back stays taken back: \(still)")
                    withExtendedLifetime(loopB) {}
                }
            }
        }

        @Test("a FUSE mount whose server never answers, on the way to a container's node, holds the watcher for at most its deadline: another container's replug is followed, SIGTERM stops it",
              .enabled(if: FileManager.default.fileExists(atPath: "/dev/fuse"), "needs /dev/fuse"))
        func silentFuseStallsNothing() throws {
            let fusedImage = try ImageFile(), otherImage = try ImageFile()
            try withContainer("fused", unprivileged: false, firstLines: ContainerKind.privilegedCommon.firstLines) { fused in
                let fusedNumber = LoopControl.freeNumber()
                try #require(passthrough("add", fused.name, "/dev/loop\(fusedNumber)", "--required=0", "--mp", "/dev/fz/stick").succeeded)
                try #require(fused.start().succeeded, "\(fused.log)")
                let initPID = try #require(fused.initPID)
                let fuse = try SilentFuse(inMountNamespaceOf: initPID, at: "/dev/fz")
                try withControl { control, _, number in
                    let watcher = try WatcherProcess()
                    let fusedLoop = try PluggedLoop(number: fusedNumber, image: fusedImage.path)
                    #expect(eventually(seconds: 5) { watcher.log.contains("\(fused.name): dev0 (/dev/loop\(fusedNumber)): cannot give") },
                            "\(watcher.log)")
                    #expect(watcher.log.contains("no answer within 100 ms"), "\(watcher.log)")
                    let otherLoop = try PluggedLoop(number: number, image: otherImage.path)
                    #expect(eventually(seconds: 2) { control.opens(otherLoop.device) }, "followed while the FUSE mount hangs: \(watcher.log)")
                    #expect(watcher.stops(within: 1), "SIGTERM stops it within a second")
                    withExtendedLifetime((fusedLoop, otherLoop, fuse)) {}
                }
            }
        }
    }
}

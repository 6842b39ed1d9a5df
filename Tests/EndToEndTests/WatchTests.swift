import Foundation
import Glibc
import Testing

extension EndToEndTests {
    @Suite("lxc-passthrough watch: devices that come, go and get new numbers",
           .enabled(if: EndToEnd.canRunContainers && EndToEnd.hasCommand && FileManager.default.fileExists(atPath: "/dev/loop-control"),
                    "needs root, lxc, busybox-static, the hooks and lxc-passthrough installed, and /dev/loop-control"))
    struct WatchTests {
        @Test("replug with the same number, then with another behind a stable link (data reaches the new device, at mp=); the old number, taken by another device meanwhile, is out of reach; never a mount stacked",
              arguments: ContainerKind.runnable)
        func replugAndRenumber(kind: ContainerKind) throws {
            let first = try ImageFile(), second = try ImageFile(), other = try ImageFile()
            let numberA = LoopControl.freeNumber(), numberB = LoopControl.freeNumber()
            try #require(numberA != numberB)
            let loopA = try PluggedLoop(number: numberA, image: first.path)
            try withHostDevices { host in
                let link = try host.symlink("disk/by-id/usb-Stick_A", to: loopA.device)
                try withContainer("watch", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                    let added = passthrough("add", ct.name, link, "--mp", "/dev/stick", "--mode", "0600")
                    try #require(added.succeeded, "\(added)")
                    let watcher = try WatcherProcess()
                    try #require(ct.start().succeeded, "\(ct.log)")
                    #expect(ct.attach("printf one | dd of=/dev/stick conv=notrunc 2>/dev/null && sync").succeeded)
                    #expect(first.prefix(3) == "one")

                    // Pulled out: the node goes, and with it the access.
                    try loopA.unplug()
                    #expect(eventually { ct.lacks("/dev/stick") }, "the node is gone: \(watcher.log)")
                    // Plugged in again, the same number.
                    try loopA.plug()
                    #expect(eventually { ct.opens("/dev/stick") }, "back, and usable: \(watcher.log)")
                    #expect(ct.attach("printf two | dd of=/dev/stick conv=notrunc 2>/dev/null && sync").succeeded)
                    #expect(first.prefix(3) == "two")

                    // Plugged in again as another number; udev (here, the test) moves the link after the kernel's event.
                    try loopA.unplug()
                    #expect(eventually { ct.lacks("/dev/stick") })
                    let loopB = try PluggedLoop(number: numberB, image: second.path)
                    try FileManager.default.removeItem(atPath: link)
                    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: loopB.device)
                    #expect(eventually { ct.describe("/dev/stick") == expected("block special file", 7, numberB, mode: "600", uid: 0, gid: 0) },
                            "the new number at the same path: \(ct.describe("/dev/stick"))\n\(watcher.log)")
                    #expect(ct.attach("printf three | dd of=/dev/stick conv=notrunc 2>/dev/null && sync").succeeded, "data reaches the new device")
                    #expect(second.prefix(5) == "three")
                    #expect(first.prefix(3) == "two", "and not the old one's image")

                    // The old number now belongs to another device: the container cannot reach it,
                    // not even through a node it makes itself (privileged: it may mknod).
                    let taken = try PluggedLoop(number: numberA, image: other.path)
                    if !kind.unprivileged {
                        let reached = ct.attach("mknod /tmp/old b 7 \(numberA) && printf stolen | dd of=/tmp/old conv=notrunc")
                        #expect(!reached.succeeded, "\(reached)")
                    }
                    #expect(other.prefix(6) != "stolen")
                    #expect(ct.mounts(at: "/dev/stick") == 1, "one mount at the path, none stacked")
                    let config = try String(contentsOfFile: ct.configPath, encoding: .utf8)
                    #expect(config.contains("b 7:\(numberB)") && !config.contains("b 7:\(numberA)"), "the config's rules followed: \(config)")
                    #expect(watcher.log.contains("\(ct.name): dev0 (\(link)): b 7:\(numberA) gone from the host: access taken back, node removed"), "\(watcher.log)")
                    #expect(watcher.log.contains("\(ct.name): dev0 (\(link)): b 7:\(numberB) given at /dev/stick"), "\(watcher.log)")
                    withExtendedLifetime(taken) {}
                    withExtendedLifetime(loopB) {}
                    watcher.stop()
                    #expect(watcher.log.contains("stopping on signal \(SIGTERM)"))
                }
            }
        }

        @Test("an optional device that appears later is put in: by the kernel's uevent, and by mknod with no uevent",
              arguments: ContainerKind.runnable)
        func optionalDevicesAppear(kind: ContainerKind) throws {
            let number = LoopControl.freeNumber()
            try withHostDevices { host in
                let later = host.root + "/serial-later"
                try withContainer("appear", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                    try #require(passthrough("add", ct.name, "/dev/loop\(number)", "--required=0").succeeded)
                    try #require(passthrough("add", ct.name, later, "--required=0", "--mp", "/dev/later", "--uid", "1000").succeeded)
                    let watcher = try WatcherProcess()
                    try #require(ct.start().succeeded, "\(ct.log)")
                    #expect(ct.lacks("/dev/loop\(number)") && ct.lacks("/dev/later"))

                    try LoopControl.control(LoopControl.add, number)
                    defer { try? LoopControl.control(LoopControl.remove, number) }
                    #expect(eventually { ct.opens("/dev/loop\(number)") }, "put in on the uevent: \(watcher.log)")
                    #expect(mknod(later, S_IFCHR | 0o600, dev_t((1 << 8) | 5)) == 0)
                    #expect(eventually { ct.opens("/dev/later") }, "put in on inotify: \(watcher.log)")
                    #expect(ct.describe("/dev/later") == expected("character special file", 1, 5, mode: "660", uid: 1000, gid: 0))
                    #expect(ct.attach("head -c 2 /dev/later | od -An -tx1").output.contains("00 00"))

                    try LoopControl.control(LoopControl.remove, number)
                    unlink(later)
                    #expect(eventually { ct.lacks("/dev/loop\(number)") && ct.lacks("/dev/later") }, "both gone again: \(watcher.log)")
                    #expect(ct.mounts(at: "/dev/later") == 0 && ct.mounts(at: "/dev/loop\(number)") == 0)
                }
            }
        }

        @Test("killed and restarted, the watcher catches up; a stopped container's rules follow the device, so its next start needs no sync; a second watcher refuses to start, naming the first",
              arguments: ContainerKind.runnable)
        func restartsAndStoppedContainers(kind: ContainerKind) throws {
            let images = [try ImageFile(), try ImageFile(), try ImageFile()]
            var numbers: [Int] = []
            while numbers.count < 3 {
                let number = LoopControl.freeNumber()
                if !numbers.contains(number) { numbers.append(number) }
            }
            var loop = try PluggedLoop(number: numbers[0], image: images[0].path)
            try withHostDevices { host in
                let link = try host.symlink("serial/by-id/usb-Modem", to: loop.device)
                try withContainer("catchup", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                    try #require(passthrough("add", ct.name, link).succeeded)
                    // The container starts before any watcher runs.
                    try #require(ct.start().succeeded, "\(ct.log)")
                    var watcher = try WatcherProcess()
                    let second = passthrough("watch")
                    #expect(second.status == 1 && second.error.contains("another watcher") && second.error.contains("pid \(watcher.pid)"), "\(second)")
                    watcher.stop(signal: SIGKILL)

                    // Renumbered while no watcher runs.
                    try loop.unplug()
                    loop = try PluggedLoop(number: numbers[1], image: images[1].path)
                    try FileManager.default.removeItem(atPath: link)
                    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: loop.device)
                    watcher = try WatcherProcess()
                    #expect(eventually { ct.describe(link) == expected("block special file", 7, numbers[1], mode: "660", uid: 0, gid: 0) },
                            "caught up at its start: \(ct.describe(link))\n\(watcher.log)")
                    #expect(ct.mounts(at: link) == 1)

                    // Stopped, then renumbered: the config's rules follow, and the start needs no sync.
                    ct.stop()
                    try loop.unplug()
                    loop = try PluggedLoop(number: numbers[2], image: images[2].path)
                    try FileManager.default.removeItem(atPath: link)
                    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: loop.device)
                    #expect(eventually { ((try? String(contentsOfFile: ct.configPath, encoding: .utf8)) ?? "").contains("b 7:\(numbers[2])") },
                            "the rules block follows the device: \(watcher.log)")
                    let started = ct.start()
                    try #require(started.succeeded, "no sync needed: \(started)\n\(ct.log)")
                    #expect(ct.attach("printf new | dd of=\(link) conv=notrunc 2>/dev/null && sync").succeeded)
                    #expect(images[2].prefix(3) == "new")
                    watcher.stop()
                }
            }
            withExtendedLifetime(loop) {}
        }

        @Test("detach --temporary holds while the watcher runs, even when the device is plugged in again; the next start gives it back",
              arguments: ContainerKind.runnable)
        func temporaryDetachHolds(kind: ContainerKind) throws {
            try withHostDevices { host in
                let kept = try host.zero("kept"), witness = host.root + "/witness"
                try withContainer("withheld", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                    try #require(passthrough("add", ct.name, kept, "--mp", "/dev/kept").succeeded)
                    try #require(passthrough("add", ct.name, witness, "--required=0", "--mp", "/dev/witness").succeeded)
                    let watcher = try WatcherProcess()
                    try #require(ct.start().succeeded, "\(ct.log)")
                    #expect(ct.opens("/dev/kept"))
                    let detached = passthrough("detach", ct.name, "dev0", "--temporary")
                    try #require(detached.succeeded, "\(detached)")
                    // Plugged in again, with another device appearing at the same time: once the watcher
                    // has given the other one, it has looked at this one too, and left it out.
                    #expect(unlink(kept) == 0 && mknod(kept, S_IFCHR | 0o666, dev_t((1 << 8) | 5)) == 0)
                    #expect(mknod(witness, S_IFCHR | 0o600, dev_t((1 << 8) | 5)) == 0)
                    #expect(eventually { ct.opens("/dev/witness") }, "\(watcher.log)")
                    #expect(ct.lacks("/dev/kept"), "withheld for this run: \(watcher.log)")
                    ct.stop()
                    try #require(ct.start().succeeded, "\(ct.log)")
                    #expect(eventually { ct.opens("/dev/kept") }, "given at the next start")
                }
            }
        }

        @Test("a device that appears while its container is still starting is given once it runs", arguments: ContainerKind.runnable)
        func appearsWhileStarting(kind: ContainerKind) throws {
            try withHostDevices { host in
                let node = host.root + "/early"
                try withContainer("starting", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                    try #require(passthrough("add", ct.name, node, "--required=0", "--mp", "/dev/early").succeeded)
                    // A second pre-start hook, after lxc-passthrough's, holds the start for a second.
                    try ct.append("lxc.hook.pre-start = /bin/sh -c 'sleep 1'")
                    let watcher = try WatcherProcess()
                    let starting = Process()
                    starting.executableURL = URL(fileURLWithPath: "/usr/bin/lxc-start")
                    starting.arguments = ["-n", ct.name, "-d", "-o", ct.logPath, "-l", "DEBUG"]
                    try starting.run()
                    // lxc-start -d returns once the container runs: while it has not, the container is starting
                    // (lxc-info would wait: the monitor answers no command while it runs the hooks).
                    usleep(300_000)
                    #expect(starting.isRunning, "still starting when the device appears")
                    #expect(mknod(node, S_IFCHR | 0o600, dev_t((1 << 8) | 5)) == 0)
                    starting.waitUntilExit()
                    try #require(starting.terminationStatus == 0, "\(ct.log)")
                    #expect(eventually { ct.opens("/dev/early") }, "given once running: \(watcher.log)")
                    #expect(ct.mounts(at: "/dev/early") == 1)
                }
            }
        }

        @Test("a hostile container cannot steer the watcher: a symlink it put on the way is not followed, nothing lands outside /dev, and it is tried again at the next change",
              arguments: ContainerKind.runnable)
        func hostileContainer(kind: ContainerKind) throws {
            try withHostDevices { host in
                let node = host.root + "/later"
                try withContainer("hostile", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                    try #require(passthrough("add", ct.name, node, "--required=0", "--mp", "/dev/sub/later").succeeded)
                    let watcher = try WatcherProcess()
                    try #require(ct.start().succeeded, "\(ct.log)")
                    // The container's root points the way to its /etc, and already has a file at the other path.
                    try #require(ct.attach("ln -s /etc /dev/sub").succeeded)
                    #expect(mknod(node, S_IFCHR | 0o600, dev_t((1 << 8) | 5)) == 0)
                    #expect(eventually { watcher.log.contains("\(ct.name): dev0 (\(node)): cannot give c 1:5") }, "refused: \(watcher.log)")
                    #expect(ct.lacks("/etc/later") && ct.mounts(at: "/etc/later") == 0 && ct.mounts(at: "/dev/sub/later") == 0)
                    #expect(ct.attach("[ -L /dev/sub ]").succeeded, "its symlink is left as it was")
                    // Once the way is clear, the next change on the host puts it in.
                    #expect(ct.attach("rm /dev/sub").succeeded)
                    #expect(unlink(node) == 0 && mknod(node, S_IFCHR | 0o600, dev_t((1 << 8) | 5)) == 0)
                    #expect(eventually { ct.opens("/dev/sub/later") }, "\(watcher.log)")
                    #expect(ct.lacks("/etc/later"))
                }
            }
        }

        @Test("a storm of events (1,000 node adds and removes with no uevent, 400 of the kernel's) ends in the right state, with no mount stacked",
              arguments: ContainerKind.runnable)
        func storm(kind: ContainerKind) throws {
            let number = LoopControl.freeNumber()
            try withHostDevices { host in
                let node = host.root + "/storm"
                try withContainer("storm", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                    try #require(passthrough("add", ct.name, "/dev/loop\(number)", "--required=0").succeeded)
                    try #require(passthrough("add", ct.name, node, "--required=0", "--mp", "/dev/storm").succeeded)
                    let watcher = try WatcherProcess()
                    try #require(ct.start().succeeded, "\(ct.log)")
                    let started = Date()
                    // A loop device made and removed sends the kernel's add and remove for the disk and its bdi:
                    // 100 rounds, 400 uevents (the kernel takes some 40 ms a round here). 5 nodes made and
                    // removed per round: 1,000 inotify events, no uevent.
                    for _ in 0..<100 {
                        try LoopControl.control(LoopControl.add, number)
                        for _ in 0..<5 {
                            #expect(mknod(node, S_IFCHR | 0o600, dev_t((1 << 8) | 5)) == 0)
                            #expect(unlink(node) == 0)
                        }
                        try LoopControl.control(LoopControl.remove, number)
                    }
                    try LoopControl.control(LoopControl.add, number)
                    defer { try? LoopControl.control(LoopControl.remove, number) }
                    #expect(mknod(node, S_IFCHR | 0o600, dev_t((1 << 8) | 5)) == 0)
                    let elapsed = Date().timeIntervalSince(started)
                    #expect(eventually(seconds: 20) { ct.opens("/dev/loop\(number)") && ct.opens("/dev/storm") },
                            "there at the end: \(watcher.log.suffix(2000))")
                    #expect(ct.mounts(at: "/dev/loop\(number)") == 1 && ct.mounts(at: "/dev/storm") == 1, "one mount each, none stacked")
                    try LoopControl.control(LoopControl.remove, number)
                    unlink(node)
                    #expect(eventually(seconds: 20) { ct.lacks("/dev/loop\(number)") && ct.lacks("/dev/storm") })
                    #expect(ct.mounts(at: "/dev/loop\(number)") == 0 && ct.mounts(at: "/dev/storm") == 0)
                    print("storm: 1,400 events in \(Int(elapsed * 1000)) ms; the watcher logged \(watcher.log.split(separator: "\n").count) lines")
                }
            }
        }
    }
}

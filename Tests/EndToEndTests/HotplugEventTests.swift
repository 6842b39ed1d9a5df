import Foundation
import Glibc
import Testing

extension EndToEndTests {
    @Suite("containers hear of the devices the watcher gives and takes: the kernel's uevents where they reach, ours where they do not",
           .enabled(if: EndToEnd.canRunContainers && EndToEnd.hasCommand && FileManager.default.fileExists(atPath: "/dev/loop-control"),
                    "needs root, lxc, busybox-static, the hooks and lxc-passthrough installed, and /dev/loop-control"))
    struct HotplugEventTests {
        /// The messages busybox's `uevent` applet heard in the container, each its environment.
        static func heard(_ ct: Container) -> [[String: String]] {
            ct.attach("cat /tmp/uevents 2>/dev/null").output.components(separatedBy: "--\n").compactMap { block in
                let fields = block.split(separator: "\n").compactMap { line -> (String, String)? in
                    guard let equals = line.firstIndex(of: "=") else { return nil }
                    return (String(line[..<equals]), String(line[line.index(after: equals)...]))
                }
                return fields.isEmpty ? nil : Dictionary(fields, uniquingKeysWith: { first, _ in first })
            }
        }

        @Test("an entry with uevent=0 is given and taken back live without a word to the unprivileged container, while another entry is told of")
        func ueventZeroIsNotTold() throws {
            let (toldImage, quietImage) = (try ImageFile(), try ImageFile())
            let (toldNumber, quietNumber) = (LoopControl.freeNumber(), LoopControl.freeNumber())
            try #require(toldNumber != quietNumber)
            try withHostDevices { host in
                var told: PluggedLoop? = try PluggedLoop(number: toldNumber, image: toldImage.path)
                var quiet: PluggedLoop? = try PluggedLoop(number: quietNumber, image: quietImage.path)
                let toldLink = try host.symlink("disk/by-id/usb-Told", to: "/dev/nothing-yet")
                let quietLink = try host.symlink("disk/by-id/usb-Quiet", to: "/dev/nothing-yet")
                let kind = ContainerKind.unprivilegedUserns
                try withContainer("uevent-off", unprivileged: true, firstLines: kind.firstLines) { ct in
                    try #require(passthrough("add", ct.name, toldLink, "--mp", "/dev/told", "--required=0").succeeded)
                    try ct.append("dev1: \(quietLink),mp=/dev/quiet,required=0,uevent=0")
                    try #require(passthrough("sync", ct.name).succeeded)
                    try Self.listen(ct)
                    let watcher = try WatcherProcess()
                    try #require(ct.start().succeeded, "\(ct.log)")
                    #expect(eventually { ct.attach("ps | grep -q '[b]usybox uevent'").succeeded }, "the listener runs")
                    // The quiet one first: by the time the told one is heard, the quiet one would have been too.
                    for (link, loop) in [(quietLink, quiet), (toldLink, told)] {
                        try FileManager.default.removeItem(atPath: link)
                        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: try #require(loop).device)
                    }
                    #expect(eventually { ct.opens("/dev/quiet") && ct.opens("/dev/told") }, "both given: \(watcher.log)")
                    #expect(eventually { Self.heard(ct).contains { $0["ACTION"] == "add" && $0["DEVNAME"] == "told" } }, "\(Self.heard(ct))\n\(watcher.log)")
                    try quiet?.unplug()
                    quiet = nil
                    #expect(eventually { ct.lacks("/dev/quiet") }, "taken back: \(watcher.log)")
                    try told?.unplug()
                    told = nil
                    #expect(eventually { Self.heard(ct).contains { $0["ACTION"] == "remove" && $0["DEVNAME"] == "told" } }, "\(Self.heard(ct))\n\(watcher.log)")
                    #expect(!Self.heard(ct).contains { $0["DEVNAME"] == "quiet" }, "uevent=0: never told: \(Self.heard(ct))")
                    watcher.stop()
                }
            }
        }

        /// busybox's uevent applet, started by the container's init, runs its command once per message
        /// heard on the container's uevent socket.
        static func listen(_ ct: Container) throws {
            let inittab = try FileHandle(forWritingTo: URL(fileURLWithPath: ct.directory + "/rootfs/etc/inittab"))
            try inittab.seekToEnd()
            try inittab.write(contentsOf: Data("::respawn:/bin/busybox uevent /bin/sh -c 'env >> /tmp/uevents; echo -- >> /tmp/uevents'\n".utf8))
            try inittab.close()
        }

        @Test("a device pre-start gave, unplugged while the watcher runs, is told to an unprivileged container as an unplug")
        func givenAtStartThenUnplugged() throws {
            let image = try ImageFile()
            let number = LoopControl.freeNumber()
            var loop: PluggedLoop? = try PluggedLoop(number: number, image: image.path)
            try withContainer("uevent-start", unprivileged: true, firstLines: ContainerKind.unprivilegedUserns.firstLines) { ct in
                let added = passthrough("add", ct.name, try #require(loop).device, "--mp", "/dev/stick")
                try #require(added.succeeded, "\(added)")
                try Self.listen(ct)
                let watcher = try WatcherProcess()
                try #require(ct.start().succeeded, "\(ct.log)")
                #expect(ct.opens("/dev/stick"))
                #expect(eventually { ct.attach("ps | grep -q '[b]usybox uevent'").succeeded }, "the listener runs")
                // The watcher reads the device from sysfs once it sees the container run (its start's record).
                Thread.sleep(forTimeInterval: 0.5)
                try loop?.unplug()
                loop = nil
                #expect(eventually { ct.lacks("/dev/stick") }, "taken back: \(watcher.log)")
                #expect(eventually { Self.heard(ct).contains { $0["ACTION"] == "remove" && $0["DEVNAME"] == "stick" } }, "\(Self.heard(ct))\n\(watcher.log)")
                let remove = try #require(Self.heard(ct).first { $0["ACTION"] == "remove" && $0["DEVNAME"] == "stick" })
                #expect(remove["DEVPATH"] == "/devices/virtual/block/loop\(number)" && remove["SUBSYSTEM"] == "block", "\(remove)")
                #expect(!watcher.log.contains("not told"), "\(watcher.log)")
                watcher.stop()
            }
        }

        @Test("a device given and taken back live is told to software inside as a plug and an unplug, at the container's path, from the kernel's port; a privileged container is not sent ours",
              arguments: ContainerKind.runnable)
        func givenAndTakenAreHeard(kind: ContainerKind) throws {
            let image = try ImageFile()
            let number = LoopControl.freeNumber()
            try withHostDevices { host in
                var loop: PluggedLoop? = try PluggedLoop(number: number, image: image.path)
                let link = try host.symlink("disk/by-id/usb-Stick_E", to: "/dev/nothing-yet")
                try withContainer("uevent", unprivileged: kind.unprivileged, firstLines: kind.firstLines) { ct in
                    let added = passthrough("add", ct.name, link, "--mp", "/dev/stick", "--required=0")
                    try #require(added.succeeded, "\(added)")
                    try Self.listen(ct)
                    let watcher = try WatcherProcess()
                    try #require(ct.start().succeeded, "\(ct.log)")
                    #expect(eventually { ct.attach("ps | grep -q '[b]usybox uevent'").succeeded }, "the listener runs")
                    // udev (here, the test) points the link at the device: the watcher gives it.
                    try FileManager.default.removeItem(atPath: link)
                    try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: try #require(loop).device)
                    #expect(eventually { ct.opens("/dev/stick") }, "given: \(watcher.log)")
                    let devicePath = "/devices/virtual/block/loop\(number)"
                    if kind.unprivileged {
                        #expect(eventually { Self.heard(ct).contains { $0["ACTION"] == "add" && $0["DEVNAME"] == "stick" } }, "\(Self.heard(ct))\n\(watcher.log)")
                        let add = try #require(Self.heard(ct).first { $0["DEVNAME"] == "stick" })
                        #expect(add["DEVPATH"] == devicePath && add["SUBSYSTEM"] == "block" && add["MAJOR"] == "7" && add["MINOR"] == "\(number)"
                                && add["DEVTYPE"] == "disk" && add["SEQNUM"] != nil, "\(add)")
                    }
                    // Pulled out: taken back, and told.
                    try loop?.unplug()
                    loop = nil
                    #expect(eventually { ct.lacks("/dev/stick") }, "taken back: \(watcher.log)")
                    if kind.unprivileged {
                        #expect(eventually { Self.heard(ct).contains { $0["ACTION"] == "remove" && $0["DEVNAME"] == "stick" } }, "\(Self.heard(ct))\n\(watcher.log)")
                        let remove = try #require(Self.heard(ct).first { $0["ACTION"] == "remove" && $0["DEVNAME"] == "stick" })
                        #expect(remove["DEVPATH"] == devicePath, "the path it was given at, though it is gone from sysfs: \(remove)")
                        #expect(!watcher.log.contains("not told"), "\(watcher.log)")
                    } else {
                        // It hears the kernel's own events (loopN), and none of ours.
                        #expect(eventually { Self.heard(ct).contains { $0["DEVNAME"] == "loop\(number)" && $0["ACTION"] == "remove" } }, "\(Self.heard(ct))")
                        #expect(!Self.heard(ct).contains { $0["DEVNAME"] == "stick" }, "\(Self.heard(ct))")
                    }
                    watcher.stop()
                }
            }
        }
    }
}

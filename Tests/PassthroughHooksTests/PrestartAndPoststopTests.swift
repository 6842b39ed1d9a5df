import Glibc
@testable import PassthroughModel
import PassthroughSystem
import Testing
@testable import PassthroughHooks

extension RootIntegrationTests {
    @Suite(
        "pre-start and post-stop",
        .enabled(if: geteuid() == 0, "needs root: mounts a tmpfs and makes device nodes"),
        .serialized
    )
    struct PrestartAndPoststopTests {
        /// The configuration of the first scenario: an unprivileged container
        /// with /dev/null (given mode and owner) and /dev/zero (defaults); the
        /// monitor unshares its mount namespace, as passthrough.conf asks.
        static let config = """
            lxc.uts.name = ct
            lxc.monitor.unshare = 1
            lxc.idmap = u 0 100000 65536
            lxc.idmap = g 0 100000 65536
            dev0: /dev/null,mode=0640,uid=1000,gid=20
            dev1: /dev/zero

            """

        @Test("pre-start mounts a tmpfs with the nodes, exact modes and mapped owners, and the device list")
        func prestartMakesTheNodesAndTheList() throws {
            try RootScratch.with(leaving: ["ct/lxc-passthrough"]) { scratch in
                let container = try scratch.makeDirectory("ct")
                try RootFixture.writeFile(container + "/config", PrestartAndPoststopTests.config)
                let hostNull = try #require(RootFixture.status("/dev/null"))
                let hostZero = try #require(RootFixture.status("/dev/zero"))
                #expect(RootFixture.fileType(hostNull) == S_IFCHR && DeviceNumber(hostNull.st_rdev) == DeviceNumber(major: 1, minor: 3))
                #expect(RootFixture.fileType(hostZero) == S_IFCHR && DeviceNumber(hostZero.st_rdev) == DeviceNumber(major: 1, minor: 5))

                // A restrictive umask must not change any mode pre-start sets.
                let count = try RootFixture.withUmask(0o077) {
                    try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"), records: scratch.records)
                }
                #expect(count == Prestart.Outcome(count: 2, pending: []))

                let passthrough = container + "/lxc-passthrough"
                let mounts = RootFixture.mounts(at: passthrough)
                #expect(mounts.count == 1, "exactly one mount at \(passthrough): \(mounts)")
                let mount = try #require(mounts.first)
                #expect(mount.fsType == "tmpfs")
                #expect(mount.mountOptions.contains("nosuid") && mount.mountOptions.contains("noexec"))
                #expect(!mount.mountOptions.contains("nodev"), "the nodes in it must be usable")
                #expect(mount.superOptions.contains("nr_inodes=1024"))
                // tmpfs's mode=0711: the container's root opens what it needs by name, lists nothing.
                let root = try #require(RootFixture.status(passthrough))
                #expect(root.st_mode & 0o7777 == 0o711)
                #expect(try RootFixture.entries(passthrough).sorted() == ["autodev-error", "dev0", "dev1", "devices"])

                let dev0 = try #require(RootFixture.status(passthrough + "/dev0"))
                #expect(RootFixture.fileType(dev0) == S_IFCHR)
                #expect(dev0.st_rdev == hostNull.st_rdev)
                #expect(DeviceNumber(dev0.st_rdev) == DeviceNumber(major: 1, minor: 3))
                #expect(dev0.st_mode & 0o7777 == 0o640)
                #expect(dev0.st_uid == 101000 && dev0.st_gid == 100020)

                let dev1 = try #require(RootFixture.status(passthrough + "/dev1"))
                #expect(RootFixture.fileType(dev1) == S_IFCHR)
                #expect(dev1.st_rdev == hostZero.st_rdev)
                #expect(DeviceNumber(dev1.st_rdev) == DeviceNumber(major: 1, minor: 5))
                #expect(dev1.st_mode & 0o7777 == 0o660)
                #expect(dev1.st_uid == 100000 && dev1.st_gid == 100000)
                // The node is a working /dev/zero.
                #expect(try RootFixture.readPrefix(passthrough + "/dev1", count: 4) == [0, 0, 0, 0])

                // autodev, as the container's root, can leave its error message for post-stop.
                let errorFile = try #require(RootFixture.status(passthrough + "/autodev-error"))
                #expect(RootFixture.fileType(errorFile) == S_IFREG && errorFile.st_size == 0)
                #expect(errorFile.st_mode & 0o7777 == 0o600)
                #expect(errorFile.st_uid == 100000 && errorFile.st_gid == 100000)

                let list = try #require(RootFixture.status(passthrough + "/devices"))
                #expect(RootFixture.fileType(list) == S_IFREG)
                #expect(list.st_mode & 0o7777 == 0o644)
                let text = String(decoding: try RootFixture.readFile(passthrough + "/devices"), as: UTF8.self)
                #expect(try DeviceList.decode(text) == DeviceList([
                    DeviceList.Item(key: DeviceKey(index: 0)!, type: .character, number: DeviceNumber(major: 1, minor: 3), path: "/dev/null"),
                    DeviceList.Item(key: DeviceKey(index: 1)!, type: .character, number: DeviceNumber(major: 1, minor: 5), path: "/dev/zero"),
                ]))

                // The host's nodes are untouched: not even their change time moved.
                for (path, before) in [("/dev/null", hostNull), ("/dev/zero", hostZero)] {
                    let after = try #require(RootFixture.status(path))
                    #expect(after.st_mode == before.st_mode, "\(path) mode")
                    #expect(after.st_uid == before.st_uid && after.st_gid == before.st_gid, "\(path) owner")
                    #expect(after.st_rdev == before.st_rdev, "\(path) device number")
                    #expect(after.st_ctim.tv_sec == before.st_ctim.tv_sec && after.st_ctim.tv_nsec == before.st_ctim.tv_nsec, "\(path) ctime")
                }
            }
        }

        @Test("pre-start run twice leaves exactly one tmpfs; post-stop unmounts it and removes the directory")
        func prestartTwiceThenPoststop() throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                try RootFixture.writeFile(container + "/config", PrestartAndPoststopTests.config)
                let context = try RootFixture.context("pre-start", container: container)
                let passthrough = container + "/lxc-passthrough"

                try Prestart.run(context, proxmoxDirectory: scratch.path("no-pve"), records: scratch.records)
                #expect(RootFixture.mounts(at: passthrough).count == 1)
                // (Mount ids are reused, so a file marks the first tmpfs.)
                try RootFixture.writeFile(passthrough + "/marker", "from the first start\n")
                try Prestart.run(context, proxmoxDirectory: scratch.path("no-pve"), records: scratch.records)

                let mounts = RootFixture.mounts(at: passthrough)
                #expect(mounts.count == 1, "\(mounts)")
                #expect(mounts.first?.fsType == "tmpfs")
                #expect(try RootFixture.entries(passthrough).sorted() == ["autodev-error", "dev0", "dev1", "devices"], "a fresh tmpfs, without the marker")

                try Poststop.run(RootFixture.context("post-stop", container: container), records: scratch.records)
                #expect(RootFixture.mounts(at: passthrough).isEmpty)
                #expect(RootFixture.status(passthrough) == nil, "post-stop removes the directory")
                #expect(RootFixture.status(container + "/config") != nil, "and nothing else")
                // Nothing left to do is not an error.
                try Poststop.run(RootFixture.context("post-stop", container: container), records: scratch.records)
            }
        }

        @Test("pre-start removes every tmpfs stacked by earlier starts")
        func prestartUnmountsStackedMounts() throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                try RootFixture.writeFile(container + "/config", PrestartAndPoststopTests.config)
                let passthrough = try scratch.makeDirectory("ct/lxc-passthrough")
                for layer in 0..<3 {
                    try RootFixture.mountTmpfs(at: passthrough)
                    try RootFixture.writeFile(passthrough + "/stale\(layer)", "stale\n")
                }
                #expect(RootFixture.mounts(at: passthrough).count == 3)

                try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"), records: scratch.records)
                #expect(RootFixture.mounts(at: passthrough).count == 1)
                #expect(try RootFixture.entries(passthrough).sorted() == ["autodev-error", "dev0", "dev1", "devices"])

                try Poststop.run(RootFixture.context("post-stop", container: container), records: scratch.records)
                #expect(RootFixture.mounts(at: passthrough).isEmpty)
                #expect(RootFixture.status(passthrough) == nil)
            }
        }

        @Test("pre-start refuses a missing device, naming the key, the path and ENOENT, and leaves nothing")
        func missingDeviceLeavesNothing() throws {
            try expectRefusal(path: "/dev/does-not-exist-xyz", mentioning: ["ENOENT", "cannot find the device"])
        }

        @Test("a Proxmox config that cannot be read (here a symlink loop) refuses the start instead of falling back to the LXC config",
              arguments: [false, true])
        func unreadableProxmoxConfig(loop: Bool) throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                try RootFixture.writeFile(container + "/config", PrestartAndPoststopTests.config)
                let pve = try scratch.makeDirectory("pve")
                if loop { symlink(pve + "/ct.conf", pve + "/ct.conf") }
                let context = try RootFixture.context("pre-start", container: container)
                if loop {
                    let failure = #expect(throws: HookFailure.self) { try Prestart.run(context, proxmoxDirectory: pve, records: scratch.records) }
                    let description = try #require(failure).description
                    #expect(description.contains("cannot read the container configuration") && description.contains("ELOOP"), "\(description)")
                    #expect(RootFixture.status(container + "/lxc-passthrough") == nil, "nothing made")
                } else {
                    // No NAME.conf there: not a Proxmox host; the devices come from the LXC config.
                    try Prestart.run(context, proxmoxDirectory: pve, records: scratch.records)
                    #expect(try RootFixture.entries(container + "/lxc-passthrough").contains("dev0"))
                    try Poststop.run(RootFixture.context("post-stop", container: container), records: scratch.records)
                }
            }
        }

        @Test(
            "pre-start refuses a regular file and leaves nothing",
            .enabled(if: RootFixture.isDirectory("/dev/shm"), "needs /dev/shm to make a regular file below /dev")
        )
        func regularFileLeavesNothing() throws {
            let file = "/dev/shm/lxcpt-root-it-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try RootFixture.writeFile(file, "not a device\n")
            defer { unlink(file) }
            try expectRefusal(path: file, mentioning: ["regular file"])
        }

        @Test("pre-start refuses a directory and leaves nothing", arguments: ["/dev/shm", "/dev/pts"].filter(RootFixture.isDirectory))
        func directoryLeavesNothing(path: String) throws {
            try expectRefusal(path: path, mentioning: ["directory"])
        }

        /// `dev0` is valid and `dev1` is `path`: pre-start must throw a
        /// failure about dev1 and leave no mount and no directory.
        func expectRefusal(path: String, mentioning words: [String]) throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                try RootFixture.writeFile(container + "/config", """
                    lxc.monitor.unshare = 1
                    lxc.idmap = u 0 100000 65536
                    lxc.idmap = g 0 100000 65536
                    dev0: /dev/null
                    dev1: \(path)

                    """)
                let context = try RootFixture.context("pre-start", container: container)
                let failure = #expect(throws: HookFailure.self) {
                    try Prestart.run(context, proxmoxDirectory: scratch.path("no-pve"), records: scratch.records)
                }
                let description = try #require(failure).description
                #expect(failure?.device == "dev1 (\(path))")
                #expect(description.contains("dev1"), "\(description)")
                #expect(description.contains(path), "\(description)")
                for word in words { #expect(description.contains(word), "\(description)") }
                #expect(RootFixture.mounts(at: container + "/lxc-passthrough").isEmpty)
                #expect(RootFixture.status(container + "/lxc-passthrough") == nil)
            }
        }

        @Test("a failure after the tmpfs is mounted unmounts it and removes the directory")
        func failureAfterTheMountIsRolledBack() throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                let key = DeviceKey(index: 0)!
                let null = DeviceNumber(major: 1, minor: 3)
                let device = RequestedDevice(key: key, spec: DeviceSpec(path: "/dev/null"), hostUID: 0, hostGID: 0, mode: 0o660, containerPath: "/dev/null")
                let node = ResolvedNode(hostPath: "/dev/null", containerPath: "/dev/null", type: .character, number: null)
                var plan = PrestartPlan(nodes: [device.node(node, index: 0)])
                // The second mknod of the same name fails with EEXIST, inside the mounted tmpfs.
                plan.actions.insert(.makeNode(NodeName(key), .character, null), at: 2)

                let failure = #expect(throws: HookFailure.self) {
                    try PassthroughDirectory(containerDirectory: container).apply(plan)
                }
                let description = try #require(failure).description
                #expect(description.contains("dev0 (/dev/null)") && description.contains("EEXIST"), "\(description)")
                #expect(RootFixture.mounts(at: container + "/lxc-passthrough").isEmpty)
                #expect(RootFixture.status(container + "/lxc-passthrough") == nil)
            }
        }

        @Test("a tmpfs that cannot be mounted leaves no directory")
        func failedMountIsRolledBack() throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                let key = DeviceKey(index: 0)!
                let device = RequestedDevice(key: key, spec: DeviceSpec(path: "/dev/null"), hostUID: 0, hostGID: 0, mode: 0o660, containerPath: "/dev/null")
                let node = ResolvedNode(hostPath: "/dev/null", containerPath: "/dev/null", type: .character, number: DeviceNumber(major: 1, minor: 3))
                var plan = PrestartPlan(nodes: [device.node(node, index: 0)])
                plan.actions[0] = .mountTmpfs(options: "nr_inodes=not-a-number")

                let failure = #expect(throws: HookFailure.self) {
                    try PassthroughDirectory(containerDirectory: container).apply(plan)
                }
                let description = try #require(failure).description
                #expect(description == "cannot mount a tmpfs for the device nodes: fsconfig tmpfs nr_inodes=not-a-number: Invalid argument (EINVAL)", "\(description)")
                #expect(RootFixture.mounts(at: container + "/lxc-passthrough").isEmpty)
                #expect(RootFixture.status(container + "/lxc-passthrough") == nil)
            }
        }

        @Test("pre-start removes a symlink put where the directory goes, without following it")
        func symlinkInPlaceOfTheDirectoryIsRemoved() throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                let outside = try scratch.makeDirectory("outside")
                try RootFixture.writeFile(container + "/config", PrestartAndPoststopTests.config)
                try RootFixture.symlink(outside, at: container + "/lxc-passthrough")

                // The planted link is removed, never followed; the tmpfs goes where it belongs.
                try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"), records: scratch.records)
                #expect(try RootFixture.entries(outside).isEmpty)
                #expect(RootFixture.mounts(at: outside).isEmpty)
                let directory = try #require(RootFixture.status(container + "/lxc-passthrough"))
                #expect(RootFixture.fileType(directory) == S_IFDIR)
                #expect(RootFixture.mounts(at: container + "/lxc-passthrough").count == 1)
                try Poststop.run(RootFixture.context("post-stop", container: container), records: scratch.records)
                #expect(RootFixture.mounts(below: scratch.root).isEmpty)
            }
        }

        @Test("pre-start takes the devN lines from the Proxmox config when there is one")
        func proxmoxConfigIsPreferred() throws {
            try RootScratch.with(leaving: ["ct/lxc-passthrough"]) { scratch in
                let container = try scratch.makeDirectory("ct")
                // The LXC config's own devN line would fail; the id map comes from it.
                try RootFixture.writeFile(container + "/config", "lxc.monitor.unshare = 1\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\ndev0: /dev/does-not-exist-xyz\n")
                let proxmox = try scratch.makeDirectory("pve")
                try RootFixture.writeFile(proxmox + "/ct.conf", "arch: amd64\ndev3: /dev/zero,uid=7\n[snapshot]\ndev4: /dev/null\n")

                #expect(try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: proxmox, records: scratch.records).count == 1)
                let passthrough = container + "/lxc-passthrough"
                #expect(try RootFixture.entries(passthrough).sorted() == ["autodev-error", "dev3", "devices"])
                let node = try #require(RootFixture.status(passthrough + "/dev3"))
                #expect(node.st_uid == 100007 && node.st_gid == 100000)
                let text = String(decoding: try RootFixture.readFile(passthrough + "/devices"), as: UTF8.self)
                #expect(try DeviceList.decode(text).items.map(\.path) == ["/dev/zero"])
            }
        }

        @Test("pre-start leaves an optional device pending when it is absent or its rule is not written yet; mp= sets its path in the list")
        func optionalDevicesArePending() throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                try RootFixture.writeFile(container + "/config", """
                    lxc.monitor.unshare = 1
                    lxc.cgroup2.devices.deny = a
                    lxc.cgroup2.devices.allow = c 1:3 rwm
                    dev0: /dev/null,mp=/dev/serial/by-id/usb-null
                    dev1: /dev/does-not-exist-xyz,required=0
                    dev2: /dev/zero,required=0

                    """)
                let outcome = try Prestart.run(
                    RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"),
                    records: scratch.records, hierarchy: .v2)
                #expect(outcome.count == 1)
                #expect(outcome.pending.count == 2)
                #expect(outcome.pending.contains { $0.hasPrefix("dev1 (/dev/does-not-exist-xyz): ") && $0.contains("ENOENT") && $0.contains("required=0") })
                #expect(outcome.pending.contains { $0.hasPrefix("dev2 (/dev/zero): ") && $0.contains("c 1:5") && $0.contains("pending") })
                let passthrough = container + "/lxc-passthrough"
                #expect(try RootFixture.entries(passthrough).sorted() == ["autodev-error", "dev0", "devices"])
                let text = String(decoding: try RootFixture.readFile(passthrough + "/devices"), as: UTF8.self)
                #expect(try DeviceList.decode(text).items.map(\.path) == ["/dev/serial/by-id/usb-null"])

                // A required entry still refuses the start.
                try RootFixture.writeFile(container + "/config", "lxc.monitor.unshare = 1\ndev0: /dev/does-not-exist-xyz,required=1\n")
                let failure = #expect(throws: HookFailure.self) {
                    try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"),
                                     records: scratch.records, hierarchy: .v2)
                }
                #expect(failure?.device == "dev0 (/dev/does-not-exist-xyz)")
                // That failed start took away the earlier tmpfs first: nothing is left.
            }
        }

        @Test("pre-start gives each node a USB entry matches, named by key and index, recorded as grants of its key; an optional one with no match is pending")
        func usbEntriesAreResolvedAtStart() throws {
            try RootScratch.with { scratch in
                let sysfs = try StandInSysfs(scratch)
                let adapter = try sysfs.device("1-2", vendor: "10c4", product: "ea60", serial: "0001", address: 5)
                try sysfs.node(adapter + "/1-2:1.0/ttyUSB0/tty/ttyUSB0", dev: "188:0", name: "ttyUSB0", subsystem: "tty")
                _ = try sysfs.device("1-3", vendor: "10c4", product: "ea60", serial: "0002", address: 6)
                let container = try scratch.makeDirectory("ct")
                try RootFixture.writeFile(container + "/config", """
                    lxc.monitor.unshare = 1
                    lxc.cgroup2.devices.deny = a
                    lxc.cgroup2.devices.allow = c 189:* rwm
                    lxc.cgroup2.devices.allow = c 188:0 rwm
                    lxc.cgroup2.devices.allow = c 1:5 rwm
                    dev0: usb=10c4:ea60,serial=0001,nodes=all,gid=20,mode=0640
                    dev1: usb=1a6e:089a;18d1:9302,required=0
                    dev2: /dev/zero
                    dev3: usb-port=1-3

                    """)
                let context = try RootFixture.context("pre-start", container: container)
                let outcome = try Prestart.run(
                    context, proxmoxDirectory: scratch.path("no-pve"), records: scratch.records, hierarchy: .v2, resolver: DeviceResolver(sysfs: sysfs.sysfs))
                #expect(outcome.count == 4)
                #expect(outcome.pending == [
                    "dev1 (usb 1a6e:089a;18d1:9302): no USB device matches 1a6e:089a;18d1:9302 now; optional (required=0): pending, "
                        + "'lxc-passthrough watch' puts it in when it appears",
                ])
                let passthrough = container + "/lxc-passthrough"
                #expect(try RootFixture.entries(passthrough).sorted() == ["autodev-error", "dev0", "dev0.1", "dev2", "dev3", "devices"])
                let text = String(decoding: try RootFixture.readFile(passthrough + "/devices"), as: UTF8.self)
                #expect(text == "lxc-passthrough device list 1\ndev0 c 189 4 /dev/bus/usb/001/005\ndev0.1 c 188 0 /dev/ttyUSB0\n"
                    + "dev2 c 1 5 /dev/zero\ndev3 c 189 5 /dev/bus/usb/001/006\n")
                for (name, major, minor) in [("dev0", UInt32(189), UInt32(4)), ("dev0.1", 188, 0)] {
                    let node = try #require(RootFixture.status(passthrough + "/" + name))
                    #expect(node.st_mode == S_IFCHR | 0o640 && node.st_gid == 20 && node.st_uid == 0, "\(name)")
                    #expect(DeviceNumber(node.st_rdev) == DeviceNumber(major: major, minor: minor), "\(name)")
                }
                let containerInfo = try #require(RootFixture.statusFollowing(container))
                let record = try #require(try scratch.records.read(for: containerInfo))
                #expect(record.grants.map { "\($0.key!) \($0.containerPath) \($0.node.name)" } == [
                    "dev0 /dev/bus/usb/001/005 dev0", "dev0 /dev/ttyUSB0 dev0.1", "dev2 /dev/zero dev2", "dev3 /dev/bus/usb/001/006 dev3",
                ])
                try Poststop.run(RootFixture.context("post-stop", container: container), records: scratch.records)
            }
        }

        @Test("a required USB entry with no match, a node whose rule is not written, or sysfs that cannot be read refuses the start, naming the entry")
        func usbEntriesRefuseTheStart() throws {
            try RootScratch.with { scratch in
                let sysfs = try StandInSysfs(scratch)
                let adapter = try sysfs.device("1-2", vendor: "10c4", product: "ea60", serial: "0001", address: 5)
                try sysfs.node(adapter + "/1-2:1.0/ttyUSB0/tty/ttyUSB0", dev: "188:0", name: "ttyUSB0", subsystem: "tty")
                let container = try scratch.makeDirectory("ct")
                let rules = "lxc.monitor.unshare = 1\nlxc.cgroup2.devices.deny = a\nlxc.cgroup2.devices.allow = c 189:4 rwm\n"
                let refusal = { (entry: String) throws -> HookFailure? in
                    try RootFixture.writeFile(container + "/config", rules + "dev4: " + entry + "\n")
                    return #expect(throws: HookFailure.self) {
                        try Prestart.run(
                            RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"), records: scratch.records,
                            hierarchy: .v2, resolver: DeviceResolver(sysfs: sysfs.sysfs))
                    }
                }
                let absent = try refusal("usb=1a6e:089a")
                #expect(absent?.device == "dev4 (usb 1a6e:089a)" && absent?.message == "no USB device matches 1a6e:089a now")
                let unruled = try refusal("usb-port=1-2,nodes=all")
                #expect(unruled?.device == "dev4 (usb port 1-2)")
                #expect(unruled?.message.hasPrefix("/dev/ttyUSB0: ") == true && unruled?.message.contains("c 188:0") == true, "\(String(describing: unruled))")
                try sysfs.file(adapter + "/idVendor", "zz\n")
                let unreadable = try refusal("usb=10c4:ea60,required=0")
                #expect(unreadable?.device == "dev4 (usb 10c4:ea60)")
                #expect(unreadable?.message == "cannot read the host's USB devices from sysfs: \(sysfs.root)/bus/usb/devices/1-2/idVendor: 'zz' is not four hexadecimal digits")
                #expect(RootFixture.status(container + "/lxc-passthrough") == nil, "a refused start leaves nothing")
            }
        }

        @Test("pre-start records what it gave, with each node's identity; post-stop removes the record")
        func prestartRecordsItsGrants() throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                let rules = "lxc.cgroup2.devices.deny = a\nlxc.cgroup2.devices.allow = c 1:3 rwm\nlxc.cgroup2.devices.allow = c 1:5 rw\n"
                    + "lxc.cgroup2.devices.allow = c 1:7 r\n"
                try RootFixture.writeFile(container + "/config", rules + PrestartAndPoststopTests.config + "dev2: /dev/full,deny-write=1\n")
                let context = try RootFixture.context("pre-start", container: container)
                #expect(try Prestart.run(context, proxmoxDirectory: scratch.path("no-pve"), records: scratch.records, hierarchy: .v2).count == 3)
                let containerInfo = try #require(RootFixture.statusFollowing(container))
                let record = try #require(try scratch.records.read(for: containerInfo))
                let passthrough = container + "/lxc-passthrough"
                let tmpfs = try #require(RootFixture.status(passthrough))
                #expect(record.grants.map(\.containerPath) == ["/dev/null", "/dev/zero", "/dev/full"])
                #expect(record.grants.map(\.readOnly) == [false, false, true])
                for (key, grant) in zip(["dev0", "dev1", "dev2"], record.grants) {
                    let node = try #require(RootFixture.status(passthrough + "/" + key))
                    #expect(grant.key?.description == key)
                    #expect(grant.node == GrantRecord.NodeIdentity(fileSystem: DeviceNumber(tmpfs.st_dev), inode: UInt64(node.st_ino), name: key))
                    #expect(grant.number == DeviceNumber(node.st_rdev))
                }
                #expect(record.rules.hierarchy == .v2)
                #expect(record.rules.policy.permits(.character, DeviceNumber(major: 1, minor: 5), [.read, .write]), "the rules it started with")
                #expect(record.ownRules.map(\.description) == rules.split(separator: "\n").map(String.init),
                        "own rules: the config without lxc-passthrough's block (here it has none)")
                #expect(record.madeAt > 0 && record.madeAt <= ProcessStatus.bootTime())
                let file = try #require(RootFixture.status(scratch.records.path(for: containerInfo)))
                #expect(file.st_mode & 0o7777 == 0o600 && file.st_uid == 0)
                let directory = try #require(RootFixture.status(scratch.path("records")))
                #expect(directory.st_mode & 0o7777 == 0o700)

                try Poststop.run(RootFixture.context("post-stop", container: container), records: scratch.records)
                #expect(try scratch.records.read(for: containerInfo) == nil, "post-stop removes the record")
            }
        }

        @Test("pre-start refuses to mount in the host's mount namespace: lxc.monitor.unshare = 0 after the include, or the namespace PID 1 has")
        func hostMountNamespaceIsRefused() throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                try RootFixture.writeFile(container + "/config", PrestartAndPoststopTests.config + "lxc.monitor.unshare = 0\n")
                let context = try RootFixture.context("pre-start", container: container)
                let unshareOff = #expect(throws: HookFailure.self) {
                    try Prestart.run(context, proxmoxDirectory: scratch.path("no-pve"), records: scratch.records)
                }
                #expect(unshareOff?.description.hasPrefix("lxc.monitor.unshare is '0': the monitor would share the host's mount namespace") == true,
                        "\(unshareOff?.description ?? "")")
                #expect(RootFixture.status(container + "/lxc-passthrough") == nil, "nothing made")

                try RootFixture.writeFile(container + "/config", PrestartAndPoststopTests.config)
                // Two paths to one namespace stand for "the same as PID 1's".
                let shared = #expect(throws: HookFailure.self) {
                    try Prestart.refuseHostMountNamespace(monitorUnshare: "1", own: "/proc/self/ns/mnt", host: "/proc/self/ns/mnt")
                }
                #expect(shared?.description.hasPrefix("pre-start runs in the host's mount namespace") == true)
                #expect(throws: Never.self) { try Prestart.refuseHostMountNamespace(monitorUnshare: "1") }
                for (value, shown) in [(nil, "not set"), ("yes", "'yes'"), ("0", "'0'")] as [(String?, String)] {
                    let refused = #expect(throws: HookFailure.self) { try Prestart.refuseHostMountNamespace(monitorUnshare: value) }
                    #expect(refused?.description.hasPrefix("lxc.monitor.unshare is \(shown): ") == true, "\(refused?.description ?? "")")
                }
            }
        }

        @Test("pre-start with no devN lines makes no directory and no mount")
        func noDevicesMakesNothing() throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                try RootFixture.writeFile(container + "/config", "lxc.uts.name = ct\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n")

                let count = try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"), records: scratch.records)
                #expect(count.count == 0)
                #expect(RootFixture.status(container + "/lxc-passthrough") == nil)
                #expect(RootFixture.mounts(below: scratch.root).isEmpty)
                #expect(try RootFixture.entries(container) == ["config"])
            }
        }

        @Test("pre-start with no devN lines removes the tmpfs of an earlier start")
        func noDevicesClearsAnEarlierStart() throws {
            try RootScratch.with { scratch in
                let container = try scratch.makeDirectory("ct")
                try RootFixture.writeFile(container + "/config", PrestartAndPoststopTests.config)
                let context = try RootFixture.context("pre-start", container: container)
                try Prestart.run(context, proxmoxDirectory: scratch.path("no-pve"), records: scratch.records)
                #expect(RootFixture.mounts(at: container + "/lxc-passthrough").count == 1)

                try RootFixture.writeFile(container + "/config", "lxc.uts.name = ct\n")
                #expect(try Prestart.run(context, proxmoxDirectory: scratch.path("no-pve"), records: scratch.records).count == 0)
                #expect(RootFixture.mounts(at: container + "/lxc-passthrough").isEmpty)
                #expect(RootFixture.status(container + "/lxc-passthrough") == nil)
            }
        }
    }
}

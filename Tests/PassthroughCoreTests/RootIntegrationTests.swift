import Testing
@testable import PassthroughCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Root integration tests: the hooks' library code against the real kernel.
// They mount tmpfs file systems, make device nodes and bind mounts, but only
// inside a directory of their own under /tmp (made with mkdtemp), and they
// unmount and remove everything they made whether they pass or fail. The
// host's device nodes are only stat'ed, never changed (one test makes and
// removes a regular file in /dev/shm). Two tests set the umask, which is
// process-wide, for the length of one hook call.

@Suite(
    "root integration",
    .enabled(if: geteuid() == 0, "needs root: mounts tmpfs file systems, makes device nodes and bind mounts"),
    .serialized
)
struct RootIntegrationTests {
    @Suite(
        "pre-start and post-stop",
        .enabled(if: geteuid() == 0, "needs root: mounts a tmpfs and makes device nodes"),
        .serialized
    )
    struct PrestartAndPoststop {
        /// The configuration of the first scenario: an unprivileged container
        /// with /dev/null (given mode and owner) and /dev/zero (defaults).
        static let config = """
            lxc.uts.name = ct
            lxc.idmap = u 0 100000 65536
            lxc.idmap = g 0 100000 65536
            dev0: /dev/null,mode=0640,uid=1000,gid=20
            dev1: /dev/zero

            """

        @Test("pre-start mounts a tmpfs with the nodes, exact modes and mapped owners, and the device list")
        func prestartMakesTheNodesAndTheList() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let container = try scratch.makeDirectory("ct")
            try RootFixture.writeFile(container + "/config", PrestartAndPoststop.config)
            let hostNull = try #require(RootFixture.status("/dev/null"))
            let hostZero = try #require(RootFixture.status("/dev/zero"))
            #expect(RootFixture.fileType(hostNull) == S_IFCHR && DeviceNumber(rawValue: UInt64(hostNull.st_rdev)) == DeviceNumber(major: 1, minor: 3))
            #expect(RootFixture.fileType(hostZero) == S_IFCHR && DeviceNumber(rawValue: UInt64(hostZero.st_rdev)) == DeviceNumber(major: 1, minor: 5))

            // A restrictive umask must not change any mode pre-start sets.
            let count = try RootFixture.withUmask(0o077) {
                try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"))
            }
            #expect(count == 2)

            let passthrough = container + "/lxc-passthrough"
            let mounts = RootFixture.mounts(at: passthrough)
            #expect(mounts.count == 1, "exactly one mount at \(passthrough): \(mounts)")
            let mount = try #require(mounts.first)
            #expect(mount.fsType == "tmpfs")
            #expect(mount.mountOptions.contains("nosuid") && mount.mountOptions.contains("noexec"))
            #expect(!mount.mountOptions.contains("nodev"), "the nodes in it must be usable")
            #expect(mount.superOptions.contains("nr_inodes=1024"))
            // tmpfs's mode=0755; the directory under it was made 0700 under the umask.
            let root = try #require(RootFixture.status(passthrough))
            #expect(root.st_mode & 0o7777 == 0o755)
            #expect(try RootFixture.entries(passthrough).sorted() == ["autodev-error", "dev0", "dev1", "devices"])

            let dev0 = try #require(RootFixture.status(passthrough + "/dev0"))
            #expect(RootFixture.fileType(dev0) == S_IFCHR)
            #expect(dev0.st_rdev == hostNull.st_rdev)
            #expect(DeviceNumber(rawValue: UInt64(dev0.st_rdev)) == DeviceNumber(major: 1, minor: 3))
            #expect(dev0.st_mode & 0o7777 == 0o640)
            #expect(dev0.st_uid == 101000 && dev0.st_gid == 100020)

            let dev1 = try #require(RootFixture.status(passthrough + "/dev1"))
            #expect(RootFixture.fileType(dev1) == S_IFCHR)
            #expect(dev1.st_rdev == hostZero.st_rdev)
            #expect(DeviceNumber(rawValue: UInt64(dev1.st_rdev)) == DeviceNumber(major: 1, minor: 5))
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

        @Test("pre-start run twice leaves exactly one tmpfs; post-stop unmounts it and removes the directory")
        func prestartTwiceThenPoststop() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let container = try scratch.makeDirectory("ct")
            try RootFixture.writeFile(container + "/config", PrestartAndPoststop.config)
            let context = try RootFixture.context("pre-start", container: container)
            let passthrough = container + "/lxc-passthrough"

            try Prestart.run(context, proxmoxDirectory: scratch.path("no-pve"))
            #expect(RootFixture.mounts(at: passthrough).count == 1)
            // (Mount ids are reused, so a file marks the first tmpfs.)
            try RootFixture.writeFile(passthrough + "/marker", "from the first start\n")
            try Prestart.run(context, proxmoxDirectory: scratch.path("no-pve"))

            let mounts = RootFixture.mounts(at: passthrough)
            #expect(mounts.count == 1, "\(mounts)")
            #expect(mounts.first?.fsType == "tmpfs")
            #expect(try RootFixture.entries(passthrough).sorted() == ["autodev-error", "dev0", "dev1", "devices"], "a fresh tmpfs, without the marker")

            try Poststop.run(RootFixture.context("post-stop", container: container))
            #expect(RootFixture.mounts(at: passthrough).isEmpty)
            #expect(RootFixture.status(passthrough) == nil, "post-stop removes the directory")
            #expect(RootFixture.status(container + "/config") != nil, "and nothing else")
            // Nothing left to do is not an error.
            try Poststop.run(RootFixture.context("post-stop", container: container))
        }

        @Test("pre-start removes every tmpfs stacked by earlier starts")
        func prestartUnmountsStackedMounts() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let container = try scratch.makeDirectory("ct")
            try RootFixture.writeFile(container + "/config", PrestartAndPoststop.config)
            let passthrough = try scratch.makeDirectory("ct/lxc-passthrough")
            for layer in 0..<3 {
                try RootFixture.mountTmpfs(at: passthrough)
                try RootFixture.writeFile(passthrough + "/stale\(layer)", "stale\n")
            }
            #expect(RootFixture.mounts(at: passthrough).count == 3)

            try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"))
            #expect(RootFixture.mounts(at: passthrough).count == 1)
            #expect(try RootFixture.entries(passthrough).sorted() == ["autodev-error", "dev0", "dev1", "devices"])

            try Poststop.run(RootFixture.context("post-stop", container: container))
            #expect(RootFixture.mounts(at: passthrough).isEmpty)
            #expect(RootFixture.status(passthrough) == nil)
        }

        @Test("pre-start refuses a missing device, naming the key, the path and ENOENT, and leaves nothing")
        func missingDeviceLeavesNothing() throws {
            try expectRefusal(path: "/dev/does-not-exist-xyz", mentioning: ["ENOENT", "cannot find the device"])
        }

        @Test("a Proxmox config that cannot be read (here a symlink loop) refuses the start instead of falling back to the LXC config",
              arguments: [false, true])
        func unreadableProxmoxConfig(loop: Bool) throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let container = try scratch.makeDirectory("ct")
            try RootFixture.writeFile(container + "/config", PrestartAndPoststop.config)
            let pve = try scratch.makeDirectory("pve")
            if loop { symlink(pve + "/ct.conf", pve + "/ct.conf") }
            let context = try RootFixture.context("pre-start", container: container)
            if loop {
                let failure = #expect(throws: HookFailure.self) { try Prestart.run(context, proxmoxDirectory: pve) }
                let description = try #require(failure).description
                #expect(description.contains("cannot read the container configuration") && description.contains("ELOOP"), "\(description)")
                #expect(RootFixture.status(container + "/lxc-passthrough") == nil, "nothing made")
            } else {
                // No NAME.conf there: not a Proxmox host; the devices come from the LXC config.
                try Prestart.run(context, proxmoxDirectory: pve)
                #expect(try RootFixture.entries(container + "/lxc-passthrough").contains("dev0"))
                try Poststop.run(RootFixture.context("post-stop", container: container))
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
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let container = try scratch.makeDirectory("ct")
            try RootFixture.writeFile(container + "/config", """
                lxc.idmap = u 0 100000 65536
                lxc.idmap = g 0 100000 65536
                dev0: /dev/null
                dev1: \(path)

                """)
            let context = try RootFixture.context("pre-start", container: container)
            let failure = #expect(throws: HookFailure.self) {
                try Prestart.run(context, proxmoxDirectory: scratch.path("no-pve"))
            }
            let description = try #require(failure).description
            #expect(failure?.device == "dev1 (\(path))")
            #expect(description.contains("dev1"), "\(description)")
            #expect(description.contains(path), "\(description)")
            for word in words { #expect(description.contains(word), "\(description)") }
            #expect(RootFixture.mounts(at: container + "/lxc-passthrough").isEmpty)
            #expect(RootFixture.status(container + "/lxc-passthrough") == nil)
        }

        @Test("a failure after the tmpfs is mounted unmounts it and removes the directory")
        func failureAfterTheMountIsRolledBack() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let container = try scratch.makeDirectory("ct")
            let key = DeviceKey(index: 0)!
            let null = DeviceNumber(major: 1, minor: 3)
            let device = RequestedDevice(key: key, spec: DeviceSpec(path: "/dev/null"), hostUID: 0, hostGID: 0, mode: 0o660, containerPath: "/dev/null")
            var plan = PrestartPlan(devices: [device], hostDevices: [HostDevice(type: .character, number: null)])
            // The second mknod of the same name fails with EEXIST, inside the mounted tmpfs.
            plan.actions.insert(.makeNode(key, .character, null), at: 2)

            let failure = #expect(throws: HookFailure.self) {
                try PassthroughDirectory(containerDirectory: container).apply(plan)
            }
            let description = try #require(failure).description
            #expect(description.contains("dev0 (/dev/null)") && description.contains("EEXIST"), "\(description)")
            #expect(RootFixture.mounts(at: container + "/lxc-passthrough").isEmpty)
            #expect(RootFixture.status(container + "/lxc-passthrough") == nil)
        }

        @Test("a tmpfs that cannot be mounted leaves no directory")
        func failedMountIsRolledBack() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let container = try scratch.makeDirectory("ct")
            let key = DeviceKey(index: 0)!
            let device = RequestedDevice(key: key, spec: DeviceSpec(path: "/dev/null"), hostUID: 0, hostGID: 0, mode: 0o660, containerPath: "/dev/null")
            var plan = PrestartPlan(devices: [device], hostDevices: [HostDevice(type: .character, number: DeviceNumber(major: 1, minor: 3))])
            plan.actions[0] = .mountTmpfs(options: "nr_inodes=not-a-number")

            let failure = #expect(throws: HookFailure.self) {
                try PassthroughDirectory(containerDirectory: container).apply(plan)
            }
            let description = try #require(failure).description
            #expect(description.contains("cannot mount a tmpfs") && description.contains(container + "/lxc-passthrough"), "\(description)")
            #expect(RootFixture.mounts(at: container + "/lxc-passthrough").isEmpty)
            #expect(RootFixture.status(container + "/lxc-passthrough") == nil)
        }

        @Test("pre-start removes a symlink put where the directory goes, without following it")
        func symlinkInPlaceOfTheDirectoryIsRemoved() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let container = try scratch.makeDirectory("ct")
            let outside = try scratch.makeDirectory("outside")
            try RootFixture.writeFile(container + "/config", PrestartAndPoststop.config)
            try RootFixture.symlink(outside, at: container + "/lxc-passthrough")

            // The planted link is removed, never followed; the tmpfs goes where it belongs.
            try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"))
            #expect(try RootFixture.entries(outside).isEmpty)
            #expect(RootFixture.mounts(at: outside).isEmpty)
            let directory = try #require(RootFixture.status(container + "/lxc-passthrough"))
            #expect(RootFixture.fileType(directory) == S_IFDIR)
            #expect(RootFixture.mounts(at: container + "/lxc-passthrough").count == 1)
            try Poststop.run(RootFixture.context("post-stop", container: container))
            #expect(RootFixture.mounts(below: scratch.root).isEmpty)
        }

        @Test("pre-start takes the devN lines from the Proxmox config when there is one")
        func proxmoxConfigIsPreferred() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let container = try scratch.makeDirectory("ct")
            // The LXC config's own devN line would fail; the id map comes from it.
            try RootFixture.writeFile(container + "/config", "lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\ndev0: /dev/does-not-exist-xyz\n")
            let proxmox = try scratch.makeDirectory("pve")
            try RootFixture.writeFile(proxmox + "/ct.conf", "arch: amd64\ndev3: /dev/zero,uid=7\n[snapshot]\ndev4: /dev/null\n")

            #expect(try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: proxmox) == 1)
            let passthrough = container + "/lxc-passthrough"
            #expect(try RootFixture.entries(passthrough).sorted() == ["autodev-error", "dev3", "devices"])
            let node = try #require(RootFixture.status(passthrough + "/dev3"))
            #expect(node.st_uid == 100007 && node.st_gid == 100000)
            let text = String(decoding: try RootFixture.readFile(passthrough + "/devices"), as: UTF8.self)
            #expect(try DeviceList.decode(text).items.map(\.path) == ["/dev/zero"])
        }

        @Test("pre-start with no devN lines makes no directory and no mount")
        func noDevicesMakesNothing() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let container = try scratch.makeDirectory("ct")
            try RootFixture.writeFile(container + "/config", "lxc.uts.name = ct\nlxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n")

            let count = try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"))
            #expect(count == 0)
            #expect(RootFixture.status(container + "/lxc-passthrough") == nil)
            #expect(RootFixture.mounts(below: scratch.root).isEmpty)
            #expect(try RootFixture.entries(container) == ["config"])
        }

        @Test("pre-start with no devN lines removes the tmpfs of an earlier start")
        func noDevicesClearsAnEarlierStart() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let container = try scratch.makeDirectory("ct")
            try RootFixture.writeFile(container + "/config", PrestartAndPoststop.config)
            let context = try RootFixture.context("pre-start", container: container)
            try Prestart.run(context, proxmoxDirectory: scratch.path("no-pve"))
            #expect(RootFixture.mounts(at: container + "/lxc-passthrough").count == 1)

            try RootFixture.writeFile(container + "/config", "lxc.uts.name = ct\n")
            #expect(try Prestart.run(context, proxmoxDirectory: scratch.path("no-pve")) == 0)
            #expect(RootFixture.mounts(at: container + "/lxc-passthrough").isEmpty)
            #expect(RootFixture.status(container + "/lxc-passthrough") == nil)
        }
    }

    @Suite(
        "autodev",
        .enabled(if: geteuid() == 0, "needs root: makes device nodes and bind mounts"),
        .serialized
    )
    struct AutodevBinds {
        @Test("autodev binds the nodes pre-start made into the container's /dev")
        func autodevAfterPrestart() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let container = try scratch.makeDirectory("ct")
            try RootFixture.writeFile(container + "/config", PrestartAndPoststop.config)
            try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"))
            let rootfs = try scratch.makeDirectory("rootfs")
            let dev = try scratch.makeDirectory("rootfs/dev")

            let count = try Autodev.run(RootFixture.context("autodev", container: container, rootfs: rootfs))
            #expect(count == 2)

            #expect(RootFixture.mounts(at: dev + "/null").count == 1)
            #expect(RootFixture.mounts(at: dev + "/zero").count == 1)
            let null = try #require(RootFixture.status(dev + "/null"))
            #expect(RootFixture.fileType(null) == S_IFCHR)
            #expect(DeviceNumber(rawValue: UInt64(null.st_rdev)) == DeviceNumber(major: 1, minor: 3))
            #expect(null.st_mode & 0o7777 == 0o640 && null.st_uid == 101000 && null.st_gid == 100020, "the container sees the node pre-start made")
            let zero = try #require(RootFixture.status(dev + "/zero"))
            #expect(RootFixture.fileType(zero) == S_IFCHR)
            #expect(DeviceNumber(rawValue: UInt64(zero.st_rdev)) == DeviceNumber(major: 1, minor: 5))
            #expect(try RootFixture.readPrefix(dev + "/zero", count: 4) == [0, 0, 0, 0])
            #expect(try RootFixture.writeSome(dev + "/null", [1, 2, 3]) == 3)
        }

        @Test("an autodev failure is left for post-stop, which returns it and clears the directory")
        func autodevFailureReachesPoststop() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let container = try scratch.makeDirectory("ct")
            try RootFixture.writeFile(container + "/config", PrestartAndPoststop.config)
            try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"))
            let rootfs = try scratch.makeDirectory("rootfs")
            _ = try scratch.makeDirectory("rootfs/dev/zero", parents: true)

            let failure = #expect(throws: HookFailure.self) {
                try Autodev.run(RootFixture.context("autodev", container: container, rootfs: rootfs))
            }
            let relayed = try Poststop.run(RootFixture.context("post-stop", container: container))
            #expect(relayed != nil && relayed == failure?.description, "post-stop returns autodev's message: \(relayed ?? "nil")")
            #expect(relayed?.contains("dev1 (/dev/zero)") == true)
            // (dev0's bind mount in the fake rootfs stays: a real container's mount namespace goes with the failed start.)
            #expect(RootFixture.mounts(at: container + "/lxc-passthrough").isEmpty)
            #expect(RootFixture.status(container + "/lxc-passthrough") == nil)
        }

        @Test("autodev makes parent directories, handles spaces, and mounts over existing files and nodes")
        func autodevWithAHandMadeList() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let fixture = try HandMadeContainer(scratch, items: [
                (0, "/dev/a dir/sub/zero"), (1, "/dev/existing-file"), (2, "/dev/existing-node"),
            ])
            try RootFixture.writeFile(fixture.dev + "/existing-file", "placeholder\n", mode: 0o600)
            let hostNull = try #require(RootFixture.status("/dev/null"))
            try RootFixture.makeNode(fixture.dev + "/existing-node", mode: S_IFCHR | 0o600, device: hostNull.st_rdev)

            #expect(try Autodev.run(fixture.context) == 3)

            for target in ["/a dir/sub/zero", "/existing-file", "/existing-node"] {
                let path = fixture.dev + target
                #expect(RootFixture.mounts(at: path).count == 1, "a bind mount at \(path)")
                let info = try #require(RootFixture.status(path))
                #expect(RootFixture.fileType(info) == S_IFCHR && info.st_rdev == fixture.zero.st_rdev, "\(path) is /dev/zero's number")
                #expect(try RootFixture.readPrefix(path, count: 4) == [0, 0, 0, 0], "\(path) reads as /dev/zero")
            }
            for directory in ["/a dir", "/a dir/sub"] {
                let info = try #require(RootFixture.status(fixture.dev + directory))
                #expect(RootFixture.fileType(info) == S_IFDIR, "\(directory) was made as a directory")
            }
        }

        @Test("autodev makes the parent directories 0755 whatever the umask")
        func parentDirectoriesIgnoreTheUmask() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let fixture = try HandMadeContainer(scratch, items: [(0, "/dev/dri/renderD128")])

            #expect(try RootFixture.withUmask(0o027) { try Autodev.run(fixture.context) } == 1)
            #expect(RootFixture.mounts(at: fixture.dev + "/dri/renderD128").count == 1)
            let directory = try #require(RootFixture.status(fixture.dev + "/dri"))
            #expect(RootFixture.fileType(directory) == S_IFDIR)
            // Under umask 027 a container user outside group 0 could not reach the node.
            #expect(directory.st_mode & 0o7777 == 0o755)
        }

        @Test("autodev refuses a parent directory that is a symlink out of the container's /dev")
        func symlinkedParentIsRefused() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let fixture = try HandMadeContainer(scratch, items: [(0, "/dev/a dir/sub/zero")])
            let outside = try scratch.makeDirectory("outside")
            try RootFixture.symlink(outside, at: fixture.dev + "/a dir")

            let failure = #expect(throws: HookFailure.self) { try Autodev.run(fixture.context) }
            let description = try #require(failure).description
            #expect(description.contains("dev0") && description.contains("/dev/a dir/sub/zero"), "\(description)")
            #expect(try RootFixture.entries(outside).isEmpty, "nothing is made through the symlink")
            #expect(RootFixture.mounts(below: fixture.rootfs).isEmpty, "autodev mounted nothing")
        }

        @Test("autodev refuses a deeper parent symlink and a symlink as the device itself")
        func otherSymlinksAreRefused() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let fixture = try HandMadeContainer(scratch, items: [(3, "/dev/a dir/sub/zero")])
            let outside = try scratch.makeDirectory("outside")
            try scratch.makeDirectory("rootfs/dev/a dir")
            try RootFixture.symlink(outside, at: fixture.dev + "/a dir/sub")
            var failure = #expect(throws: HookFailure.self) { try Autodev.run(fixture.context) }
            #expect(failure?.device == "dev3 (/dev/a dir/sub/zero)")
            #expect(try RootFixture.entries(outside).isEmpty)

            unlink(fixture.dev + "/a dir/sub")
            try scratch.makeDirectory("rootfs/dev/a dir/sub")
            try RootFixture.writeFile(outside + "/file", "outside\n")
            try RootFixture.symlink(outside + "/file", at: fixture.dev + "/a dir/sub/zero")
            failure = #expect(throws: HookFailure.self) { try Autodev.run(fixture.context) }
            let description = try #require(failure).description
            #expect(description.contains("dev3") && description.contains("/dev/a dir/sub/zero") && description.contains("symbolic link"), "\(description)")
            #expect(try RootFixture.entries(outside) == ["file"])
            #expect(try RootFixture.readFile(outside + "/file") == Array("outside\n".utf8))
            #expect(RootFixture.mounts(below: fixture.rootfs).isEmpty, "autodev mounted nothing")
        }

        @Test("autodev refuses a container /dev that is a symlink")
        func symlinkedDevIsRefused() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let fixture = try HandMadeContainer(scratch, items: [(0, "/dev/zero")])
            let outside = try scratch.makeDirectory("outside")
            rmdir(fixture.dev)
            try RootFixture.symlink(outside, at: fixture.dev)

            #expect(throws: HookFailure.self) { try Autodev.run(fixture.context) }
            #expect(try RootFixture.entries(outside).isEmpty)
            #expect(RootFixture.mounts(below: fixture.rootfs).isEmpty, "autodev mounted nothing")
        }

        @Test("autodev refuses a target that exists as a directory")
        func directoryTargetIsRefused() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let fixture = try HandMadeContainer(scratch, items: [(0, "/dev/a dir/sub/zero")])
            let target = try scratch.makeDirectory("rootfs/dev/a dir/sub/zero", parents: true)

            let failure = #expect(throws: HookFailure.self) { try Autodev.run(fixture.context) }
            let description = try #require(failure).description
            #expect(failure?.device == "dev0 (/dev/a dir/sub/zero)")
            #expect(description.contains("already exists in the container as a directory"), "\(description)")
            #expect(RootFixture.mounts(at: target).isEmpty)
            #expect(try RootFixture.entries(target).isEmpty)
        }

        @Test("autodev refuses a node that is not the listed device")
        func replacedNodeIsRefused() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let fixture = try HandMadeContainer(scratch, items: [(0, "/dev/zero")])
            // The list says 1:5; make the node 1:3 instead.
            unlink(fixture.passthrough + "/dev0")
            let hostNull = try #require(RootFixture.status("/dev/null"))
            try RootFixture.makeNode(fixture.passthrough + "/dev0", mode: S_IFCHR | 0o600, device: hostNull.st_rdev)

            let failure = #expect(throws: HookFailure.self) { try Autodev.run(fixture.context) }
            let description = try #require(failure).description
            #expect(description.contains("dev0 (/dev/zero)") && description.contains("1:5"), "\(description)")
            #expect(RootFixture.status(fixture.dev + "/zero") == nil)
            #expect(RootFixture.mounts(below: fixture.rootfs).isEmpty, "autodev mounted nothing")
        }

        @Test("autodev ignores a planted directory that is not pre-start's tmpfs")
        func plantedDirectoryIsIgnored() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let fixture = try HandMadeContainer(scratch, items: [(0, "/dev/zero")], mountTmpfs: false)
            #expect(try Autodev.run(fixture.context) == 0)
            #expect(RootFixture.status(fixture.dev + "/zero") == nil)
            #expect(RootFixture.mounts(below: scratch.root).isEmpty)
        }

        @Test("autodev without a passthrough directory or list returns 0 and does nothing")
        func nothingToDo() throws {
            let scratch = try RootScratch()
            defer { scratch.cleanUp() }
            let container = try scratch.makeDirectory("ct")
            try RootFixture.writeFile(container + "/config", "lxc.uts.name = ct\n")
            let rootfs = try scratch.makeDirectory("rootfs")
            let dev = try scratch.makeDirectory("rootfs/dev")
            let context = try RootFixture.context("autodev", container: container, rootfs: rootfs)

            #expect(try Autodev.run(context) == 0)
            #expect(RootFixture.status(container + "/lxc-passthrough") == nil)

            // A directory without the list (pre-start had nothing to do, or was interrupted).
            try scratch.makeDirectory("ct/lxc-passthrough")
            #expect(try Autodev.run(context) == 0)

            #expect(try RootFixture.entries(dev).isEmpty)
            #expect(try RootFixture.entries(container).sorted() == ["config", "lxc-passthrough"])
            #expect(RootFixture.mounts(below: scratch.root).isEmpty)
        }
    }

    @Test("no test mount is left behind")
    func noMountIsLeftBehind() {
        let left = RootFixture.mountTable().filter { $0.mountPoint.hasPrefix(RootScratch.prefix) }
        #expect(left.isEmpty, "still mounted: \(left.map(\.mountPoint))")
    }
}

/// A container directory with a passthrough directory made by hand (no
/// tmpfs): node `devN` is /dev/zero's number for every item, and the list
/// names the given container paths.
private struct HandMadeContainer {
    let container: String
    let passthrough: String
    let rootfs: String
    let dev: String
    let zero: stat
    let context: HookContext

    init(_ scratch: RootScratch, items: [(Int, String)], mountTmpfs: Bool = true) throws {
        container = try scratch.makeDirectory("ct2")
        try RootFixture.writeFile(container + "/config", "lxc.uts.name = ct2\n")
        passthrough = try scratch.makeDirectory("ct2/lxc-passthrough")
        // As pre-start leaves it: a tmpfs of its own (autodev ignores a plain directory).
        if mountTmpfs { try #require(mount("none", passthrough, "tmpfs", 0, "mode=0755") == 0) }
        zero = try #require(RootFixture.status("/dev/zero"))
        let number = DeviceNumber(rawValue: UInt64(zero.st_rdev))
        var listed: [DeviceList.Item] = []
        for (index, path) in items {
            let key = try #require(DeviceKey(index: index))
            try RootFixture.makeNode(passthrough + "/\(key)", mode: S_IFCHR | 0o600, device: zero.st_rdev)
            listed.append(DeviceList.Item(key: key, type: .character, number: number, path: path))
        }
        try RootFixture.writeFile(passthrough + "/devices", DeviceList(listed).encoded())
        rootfs = try scratch.makeDirectory("rootfs")
        dev = try scratch.makeDirectory("rootfs/dev")
        context = try RootFixture.context("autodev", container: container, rootfs: rootfs)
    }
}

/// A directory of one test under /tmp. `cleanUp()` unmounts everything below
/// it, removes it, and records an issue for anything it could not undo.
final class RootScratch {
    static let prefix = "/tmp/lxcpt-root-it."

    let root: String

    init() throws {
        var template = Array((RootScratch.prefix + "XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw SystemError(call: "mkdtemp", path: RootScratch.prefix + "XXXXXX", errno: errno) }
        let path = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // mountinfo shows canonical paths.
        guard let resolved = realpath(path, nil) else { throw SystemError(call: "realpath", path: path, errno: errno) }
        root = String(cString: resolved)
        free(resolved)
    }

    func path(_ relative: String) -> String { root + "/" + relative }

    @discardableResult
    func makeDirectory(_ relative: String, parents: Bool = false) throws -> String {
        if parents {
            var partial = root
            for component in relative.split(separator: "/") {
                partial += "/" + component
                if mkdir(partial, 0o755) != 0 && errno != EEXIST { throw SystemError(call: "mkdir", path: partial, errno: errno) }
            }
            return partial
        }
        let full = path(relative)
        if mkdir(full, 0o755) != 0 { throw SystemError(call: "mkdir", path: full, errno: errno) }
        return full
    }

    func cleanUp() {
        for _ in 0..<100 {
            let mounted = RootFixture.mounts(below: root)
            if mounted.isEmpty { break }
            // Topmost first: the latest mount at the deepest path.
            for entry in mounted.sorted(by: { ($0.mountPoint.utf8.count, $0.mountID) > ($1.mountPoint.utf8.count, $1.mountID) }) {
                _ = umount2(entry.mountPoint, Int32(MNT_DETACH))
            }
        }
        let left = RootFixture.mounts(below: root)
        if !left.isEmpty {
            Issue.record("cannot unmount \(left.map(\.mountPoint)); not removing \(root)")
            return
        }
        guard let top = RootFixture.status(root) else { return }
        RootFixture.removeTree(root, device: top.st_dev)
        if RootFixture.status(root) != nil { Issue.record("\(root) is still there") }
    }
}

/// One line of /proc/self/mountinfo.
struct RootMountInfoEntry: CustomStringConvertible {
    var mountID: Int
    var mountPoint: String
    var mountOptions: [String]
    var fsType: String
    var superOptions: [String]

    var description: String { "\(mountID) \(mountPoint) \(fsType) \(mountOptions.joined(separator: ","))" }
}

enum RootFixture {
    static func context(_ type: String, container: String, rootfs: String? = nil) throws -> HookContext {
        var environment = ["LXC_NAME": "ct", "LXC_CONFIG_FILE": container + "/config", "LXC_HOOK_TYPE": type]
        if let rootfs { environment["LXC_ROOTFS_MOUNT"] = rootfs }
        return try HookContext(type: type, arguments: [], environment: environment, needsRootfs: rootfs != nil)
    }

    /// Runs `body` with the process's umask set to `mask`, then restores it.
    static func withUmask<T>(_ mask: mode_t, _ body: () throws -> T) rethrows -> T {
        let old = umask(mask)
        defer { umask(old) }
        return try body()
    }

    // MARK: mountinfo

    static func mountTable() -> [RootMountInfoEntry] {
        guard let bytes = try? readFile("/proc/self/mountinfo") else {
            Issue.record("cannot read /proc/self/mountinfo")
            return []
        }
        var result: [RootMountInfoEntry] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard let dash = fields.firstIndex(where: { $0.elementsEqual("-".utf8) }), dash >= 6, fields.count >= dash + 4,
                  let id = Int(String(decoding: fields[0], as: UTF8.self))
            else { continue }
            result.append(RootMountInfoEntry(
                mountID: id,
                mountPoint: unescape(fields[4]),
                mountOptions: String(decoding: fields[5], as: UTF8.self).split(separator: ",").map(String.init),
                fsType: String(decoding: fields[dash + 1], as: UTF8.self),
                superOptions: String(decoding: fields[dash + 3], as: UTF8.self).split(separator: ",").map(String.init)))
        }
        return result
    }

    /// Undoes mountinfo's `\ooo` escapes (space, tab, newline, backslash).
    static func unescape(_ field: ArraySlice<UInt8>) -> String {
        var bytes: [UInt8] = []
        var index = field.startIndex
        while index < field.endIndex {
            let byte = field[index]
            if byte == UInt8(ascii: "\\"), field.endIndex - index >= 4 {
                let digits = field[(index + 1)...(index + 3)]
                if digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }) {
                    bytes.append(digits.reduce(0) { $0 &* 8 &+ ($1 - UInt8(ascii: "0")) })
                    index += 4
                    continue
                }
            }
            bytes.append(byte)
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func mounts(at path: String) -> [RootMountInfoEntry] {
        mountTable().filter { $0.mountPoint == path }
    }

    static func mounts(below root: String) -> [RootMountInfoEntry] {
        mountTable().filter { $0.mountPoint == root || $0.mountPoint.hasPrefix(root + "/") }
    }

    static func mountTmpfs(at path: String) throws {
        if mount("none", path, "tmpfs", 0, "size=64k") != 0 { throw SystemError(call: "mount", path: path, errno: errno) }
    }

    // MARK: files

    /// `lstat`, or nil when there is nothing at `path`.
    static func status(_ path: String) -> stat? {
        var result = stat()
        return lstat(path, &result) == 0 ? result : nil
    }

    static func fileType(_ info: stat) -> mode_t { info.st_mode & S_IFMT }

    static func isDirectory(_ path: String) -> Bool {
        status(path).map { fileType($0) == S_IFDIR } ?? false
    }

    static func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw SystemError(call: "open", path: path, errno: errno) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard try writeSome(fd: fd, path: path, bytes) == bytes.count else { throw SystemError(call: "write", path: path, errno: EIO) }
    }

    /// One `write(2)` to the file at `path`; the count written.
    static func writeSome(_ path: String, _ bytes: [UInt8]) throws -> Int {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw SystemError(call: "open", path: path, errno: errno) }
        defer { close(fd) }
        return try writeSome(fd: fd, path: path, bytes)
    }

    private static func writeSome(fd: Int32, path: String, _ bytes: [UInt8]) throws -> Int {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written >= 0 else { throw SystemError(call: "write", path: path, errno: errno) }
        return written
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw SystemError(call: "open", path: path, errno: errno) }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw SystemError(call: "read", path: path, errno: errno) }
            if count == 0 { return result }
            result += buffer[..<count]
            guard result.count < 1 << 24 else { throw SystemError(call: "read", path: path, errno: EFBIG) }
        }
    }

    /// The first `count` bytes read from the file at `path` (a device that
    /// never ends, or an empty file that reads nothing).
    static func readPrefix(_ path: String, count: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw SystemError(call: "open", path: path, errno: errno) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0xff, count: count)
        let read = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard read >= 0 else { throw SystemError(call: "read", path: path, errno: errno) }
        return Array(buffer[..<read])
    }

    static func makeNode(_ path: String, mode: mode_t, device: dev_t) throws {
        if mknod(path, mode, device) != 0 { throw SystemError(call: "mknod", path: path, errno: errno) }
    }

    static func symlink(_ target: String, at path: String) throws {
        if Glibc.symlink(target, path) != 0 { throw SystemError(call: "symlink", path: path, errno: errno) }
    }

    /// Names in a directory (not following a symlink), without `.` and `..`.
    static func entries(_ path: String) throws -> [String] {
        try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW).directoryEntries()
    }

    /// Removes `path` and what is below it, without following symlinks and
    /// without entering another file system.
    static func removeTree(_ path: String, device: dev_t) {
        guard let info = status(path) else { return }
        if fileType(info) == S_IFDIR {
            guard info.st_dev == device else {
                Issue.record("not removing \(path): it is on another file system")
                return
            }
            for name in (try? entries(path)) ?? [] { removeTree(path + "/" + name, device: device) }
            if rmdir(path) != 0 { Issue.record("rmdir \(path): \(SystemError.text(for: errno))") }
        } else if unlink(path) != 0 {
            Issue.record("unlink \(path): \(SystemError.text(for: errno))")
        }
    }
}

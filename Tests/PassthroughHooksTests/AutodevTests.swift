import Glibc
import PassthroughModel
import PassthroughSystem
import Testing
@testable import PassthroughHooks

extension RootIntegrationTests {
    @Suite(
        "autodev",
        .enabled(if: geteuid() == 0, "needs root: makes device nodes and bind mounts"),
        .serialized
    )
    struct AutodevTests {
        @Test("autodev binds the nodes pre-start made into the container's /dev")
        func autodevAfterPrestart() throws {
            try RootScratch.with(leaving: ["ct/lxc-passthrough", "rootfs/dev/null", "rootfs/dev/zero"]) { scratch in
                let container = try scratch.makeDirectory("ct")
                try RootFixture.writeFile(container + "/config", PrestartAndPoststopTests.config)
                try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"), records: scratch.records)
                let rootfs = try scratch.makeDirectory("rootfs")
                let dev = try scratch.makeDirectory("rootfs/dev")

                let count = try Autodev.run(RootFixture.context("autodev", container: container, rootfs: rootfs))
                #expect(count == 2)

                #expect(RootFixture.mounts(at: dev + "/null").count == 1)
                #expect(RootFixture.mounts(at: dev + "/zero").count == 1)
                let null = try #require(RootFixture.status(dev + "/null"))
                #expect(RootFixture.fileType(null) == S_IFCHR)
                #expect(DeviceNumber(null.st_rdev) == DeviceNumber(major: 1, minor: 3))
                #expect(null.st_mode & 0o7777 == 0o640 && null.st_uid == 101000 && null.st_gid == 100020, "the container sees the node pre-start made")
                let zero = try #require(RootFixture.status(dev + "/zero"))
                #expect(RootFixture.fileType(zero) == S_IFCHR)
                #expect(DeviceNumber(zero.st_rdev) == DeviceNumber(major: 1, minor: 5))
                #expect(try RootFixture.readPrefix(dev + "/zero", count: 4) == [0, 0, 0, 0])
                #expect(try RootFixture.writeSome(dev + "/null", [1, 2, 3]) == 3)
            }
        }

        @Test("an autodev failure is left for post-stop, which returns it and clears the directory")
        func autodevFailureReachesPoststop() throws {
            try RootScratch.with(leaving: ["rootfs/dev/null"]) { scratch in
                let container = try scratch.makeDirectory("ct")
                try RootFixture.writeFile(container + "/config", PrestartAndPoststopTests.config)
                try Prestart.run(RootFixture.context("pre-start", container: container), proxmoxDirectory: scratch.path("no-pve"), records: scratch.records)
                let rootfs = try scratch.makeDirectory("rootfs")
                _ = try scratch.makeDirectory("rootfs/dev/zero", parents: true)

                let failure = #expect(throws: HookFailure.self) {
                    try Autodev.run(RootFixture.context("autodev", container: container, rootfs: rootfs))
                }
                let relayed = try Poststop.run(RootFixture.context("post-stop", container: container), records: scratch.records)
                #expect(relayed != nil && relayed == failure?.description, "post-stop returns autodev's message: \(relayed ?? "nil")")
                #expect(relayed?.contains("dev1 (/dev/zero)") == true)
                // (dev0's bind mount in the fake rootfs stays: a real container's mount namespace goes with the failed start.)
                #expect(RootFixture.mounts(at: container + "/lxc-passthrough").isEmpty)
                #expect(RootFixture.status(container + "/lxc-passthrough") == nil)
            }
        }

        @Test("autodev makes parent directories, handles spaces, and mounts over existing files and nodes")
        func autodevWithAHandMadeList() throws {
            try RootScratch.with(leaving: ["rootfs/dev/a dir/sub/zero", "rootfs/dev/existing-file", "rootfs/dev/existing-node"]) { scratch in
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
        }

        @Test("autodev makes the parent directories 0755 whatever the umask")
        func parentDirectoriesIgnoreTheUmask() throws {
            try RootScratch.with(leaving: ["rootfs/dev/dri/renderD128"]) { scratch in
                let fixture = try HandMadeContainer(scratch, items: [(0, "/dev/dri/renderD128")])

                #expect(try RootFixture.withUmask(0o027) { try Autodev.run(fixture.context) } == 1)
                #expect(RootFixture.mounts(at: fixture.dev + "/dri/renderD128").count == 1)
                let directory = try #require(RootFixture.status(fixture.dev + "/dri"))
                #expect(RootFixture.fileType(directory) == S_IFDIR)
                // Under umask 027 a container user outside group 0 could not reach the node.
                #expect(directory.st_mode & 0o7777 == 0o755)
            }
        }

        @Test("autodev refuses a parent directory that is a symlink out of the container's /dev")
        func symlinkedParentIsRefused() throws {
            try RootScratch.with { scratch in
                let fixture = try HandMadeContainer(scratch, items: [(0, "/dev/a dir/sub/zero")])
                let outside = try scratch.makeDirectory("outside")
                try RootFixture.symlink(outside, at: fixture.dev + "/a dir")

                let failure = #expect(throws: HookFailure.self) { try Autodev.run(fixture.context) }
                let description = try #require(failure).description
                #expect(description.contains("dev0") && description.contains("/dev/a dir/sub/zero"), "\(description)")
                #expect(try RootFixture.entries(outside).isEmpty, "nothing is made through the symlink")
                #expect(RootFixture.mounts(below: fixture.rootfs).isEmpty, "autodev mounted nothing")
            }
        }

        @Test("autodev refuses a deeper parent symlink and a symlink as the device itself")
        func otherSymlinksAreRefused() throws {
            try RootScratch.with { scratch in
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
        }

        @Test("autodev refuses a container /dev that is a symlink")
        func symlinkedDevIsRefused() throws {
            try RootScratch.with { scratch in
                let fixture = try HandMadeContainer(scratch, items: [(0, "/dev/zero")])
                let outside = try scratch.makeDirectory("outside")
                rmdir(fixture.dev)
                try RootFixture.symlink(outside, at: fixture.dev)

                #expect(throws: HookFailure.self) { try Autodev.run(fixture.context) }
                #expect(try RootFixture.entries(outside).isEmpty)
                #expect(RootFixture.mounts(below: fixture.rootfs).isEmpty, "autodev mounted nothing")
            }
        }

        @Test("autodev refuses a target that exists as a directory")
        func directoryTargetIsRefused() throws {
            try RootScratch.with { scratch in
                let fixture = try HandMadeContainer(scratch, items: [(0, "/dev/a dir/sub/zero")])
                let target = try scratch.makeDirectory("rootfs/dev/a dir/sub/zero", parents: true)

                let failure = #expect(throws: HookFailure.self) { try Autodev.run(fixture.context) }
                let description = try #require(failure).description
                #expect(failure?.device == "dev0 (/dev/a dir/sub/zero)")
                #expect(description.contains("already exists in the container as a directory"), "\(description)")
                #expect(RootFixture.mounts(at: target).isEmpty)
                #expect(try RootFixture.entries(target).isEmpty)
            }
        }

        @Test("autodev refuses a node that is not the listed device")
        func replacedNodeIsRefused() throws {
            try RootScratch.with { scratch in
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
        }

        @Test("autodev ignores a planted directory that is not pre-start's tmpfs")
        func plantedDirectoryIsIgnored() throws {
            try RootScratch.with { scratch in
                let fixture = try HandMadeContainer(scratch, items: [(0, "/dev/zero")], mountTmpfs: false)
                #expect(try Autodev.run(fixture.context) == 0)
                #expect(RootFixture.status(fixture.dev + "/zero") == nil)
                #expect(RootFixture.mounts(below: scratch.root).isEmpty)
            }
        }

        @Test("autodev without a passthrough directory or list returns 0 and does nothing")
        func nothingToDo() throws {
            try RootScratch.with { scratch in
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
    }
}

import Testing
@testable import PassthroughModel

@Suite("config reading")
struct ConfigReaderTests {
    @Test func deviceEntriesAreReadInKeyOrder() throws {
        let text = """
        # comment
        lxc.uts.name = ct
        dev10: /dev/sdb
        dev2:/dev/ttyUSB0,uid=5
        devices: not ours
        dev0:   /dev/null  \r
        """
        let entries = try ConfigReader.deviceEntries(text: text, path: "c")
        #expect(entries.map(\.key.description) == ["dev0", "dev2", "dev10"])
        #expect(entries.map(\.value) == ["/dev/null", "/dev/ttyUSB0,uid=5", "/dev/sdb"])
        #expect(entries[0].origin == "c:6")
    }

    @Test func windowsLineEndingsAreRead() throws {
        let text = "# c\r\nlxc.idmap = u 0 100000 65536\r\ndev0: /dev/a,uid=1\r\ndev1: /dev/b\r\n"
        let entries = try ConfigReader.deviceEntries(text: text, path: "c")
        #expect(entries.map(\.value) == ["/dev/a,uid=1", "/dev/b"])
        let map = try ConfigReader { _ in .text(text) }.idMap(configPath: "/c")
        #expect(map.ranges == [IDMap.Range(kind: .user, containerStart: 0, hostStart: 100000, count: 65536)])
    }

    @Test func readingStopsAtTheFirstSection() throws {
        let text = "dev0: /dev/a\n[snap1]\ndev1: /dev/b\n"
        #expect(try ConfigReader.deviceEntries(text: text, path: "c").count == 1)
    }

    @Test(arguments: ["dev256: /dev/a", "dev01: /dev/a", "dev9999: /dev/a"])
    func keysOutOfRangeAreErrors(line: String) {
        let name = line.prefix(while: { $0 != ":" })
        #expect(throws: ConfigError(origin: "c:1", message: "'\(name)' is not a device key: use dev0 to dev255")) {
            try ConfigReader.deviceEntries(text: line, path: "c")
        }
    }

    @Test func aRepeatedKeyIsAnError() {
        #expect(throws: ConfigError(origin: "c:2", message: "dev1 is given twice (first at c:1)")) {
            try ConfigReader.deviceEntries(text: "dev1: /dev/a\ndev1: /dev/b", path: "c")
        }
    }

    /// A reader of these files; any other is missing (ENOENT).
    static func reader(_ files: [String: FileContent]) -> ConfigReader {
        ConfigReader { path throws(ConfigFailure) in
            guard let content = files[path] else { throw .missing(path: path, message: "open \(path): ENOENT") }
            return content
        }
    }

    @Test func idMapFollowsIncludesAndDirectories() throws {
        let files: [String: FileContent] = [
            "/c": .text("lxc.include = /inc\nlxc.idmap = u 0 100000 65536\nlxc.include=/d\n"),
            "/inc": .text("lxc.idmap = u 0 1 1\nlxc.idmap =\n"),
            "/d": .directory(["b.conf", "a.conf", "ignored.txt"]),
            "/d/a.conf": .text("  lxc.idmap = g 0 100000 65536  \n"),
            "/d/b.conf": .text("lxc.id_map = g 65536 5000 10\n"),
        ]
        let reader = ConfigReaderTests.reader(files)
        let map = try reader.idMap(configPath: "/c")
        #expect(map.ranges == [
            IDMap.Range(kind: .user, containerStart: 0, hostStart: 100000, count: 65536),
            IDMap.Range(kind: .group, containerStart: 0, hostStart: 100000, count: 65536),
            IDMap.Range(kind: .group, containerStart: 65536, hostStart: 5000, count: 10),
        ])
    }

    @Test func startSettingsReadTheRulesWithAndWithoutTheManagedBlockInOnePass() throws {
        let begin = ConfigDocument.blockBegin, end = ConfigDocument.blockEnd
        let files: [String: FileContent] = [
            "/c": .text("""
                lxc.include = /common
                lxc.monitor.unshare = 1
                \(begin)
                lxc.cgroup2.devices.allow = c 188:0 rwm
                lxc.include = /in-block
                \(end)
                lxc.cgroup2.devices.allow = b 7:0 r
                lxc.monitor.unshare = 0
                """),
            "/common": .text("lxc.cgroup2.devices.allow = c 1:3 rwm\nlxc.cgroup.devices.deny = a\n"),
            "/in-block": .text("lxc.cgroup2.devices.allow =\nlxc.cgroup2.devices.allow = c 4:64 rw\n"),
        ]
        let reader = ConfigReaderTests.reader(files)
        let settings = try reader.startSettings(configPath: "/c")
        #expect(settings.deviceRules.map(\.description) == [
            "lxc.cgroup.devices.deny = a", "lxc.cgroup2.devices.allow = c 4:64 rw", "lxc.cgroup2.devices.allow = b 7:0 r",
        ], "the block's include cleared the v2 allows before it")
        #expect(settings.ownDeviceRules.map(\.description) == [
            "lxc.cgroup2.devices.allow = c 1:3 rwm", "lxc.cgroup.devices.deny = a", "lxc.cgroup2.devices.allow = b 7:0 r",
        ], "an include inside the block is part of it")
        #expect(settings.monitorUnshare == "0", "the last value")
        #expect(try reader.deviceRules(configPath: "/c", includingManagedBlock: true) == settings.deviceRules)
        #expect(try reader.deviceRules(configPath: "/c", includingManagedBlock: false) == settings.ownDeviceRules)
        #expect(throws: ConfigFailure.invalid(ConfigError(origin: "/bad:2", message: "cannot parse the device rule lxc.cgroup2.devices.allow = x"))) {
            try ConfigReader { _ in .text("lxc.monitor.unshare = 1\nlxc.cgroup2.devices.allow = x\n") }.startSettings(configPath: "/bad")
        }
    }

    @Test func startConfigReadsTheIdMapAndTheSettingsInOnePassAndRefusesABadIdMapBeforeABadRule() throws {
        let text = "lxc.idmap = u 0 100000 65536\nlxc.monitor.unshare = 1\nlxc.cgroup2.devices.allow = c 1:3 rwm\nlxc.idmap = g 0 100000 65536\n"
        let reader = ConfigReader { _ in .text(text) }
        let start = try reader.startConfig(configPath: "/c")
        #expect(start.idMap == (try reader.idMap(configPath: "/c")))
        #expect(start.settings == (try reader.startSettings(configPath: "/c")))
        #expect(start.ruleFailures.isEmpty)
        let badRule = ConfigReader { _ in .text("lxc.cgroup2.devices.allow = x\nlxc.idmap = u 0 100000 65536\n") }
        let kept = try badRule.startConfig(configPath: "/bad")
        #expect(kept.idMap.ranges.count == 1, "the pass goes on past a bad rule")
        #expect(kept.ruleFailures == [.invalid(ConfigError(origin: "/bad:1", message: "cannot parse the device rule lxc.cgroup2.devices.allow = x"))])
        let both = ConfigReader { _ in .text("lxc.cgroup2.devices.allow = x\nlxc.idmap = u 0 1\n") }
        #expect(throws: ConfigFailure.invalid(ConfigError(origin: "/both:2", message: "cannot parse lxc.idmap = u 0 1: expected 'u|g CONTAINER_ID HOST_ID COUNT'"))) {
            try both.startConfig(configPath: "/both")
        }
    }

    @Test func includeCyclesAreErrors() {
        let reader = ConfigReader { path in .text("lxc.include = \(path == "/a" ? "/b" : "/a")\n") }
        #expect(throws: ConfigFailure.invalid(ConfigError(origin: "/a", message: "lxc.include cycle: /a -> /b -> /a"))) {
            try reader.idMap(configPath: "/a")
        }
    }

    @Test func malformedIDMapIsAnErrorNamingTheLine() {
        let reader = ConfigReader { _ in .text("\nlxc.idmap = u 0 100000\n") }
        #expect(throws: ConfigFailure.invalid(ConfigError(
            origin: "/c:2", message: "cannot parse lxc.idmap = u 0 100000: expected 'u|g CONTAINER_ID HOST_ID COUNT'"))) {
            try reader.idMap(configPath: "/c")
        }
    }

    @Test func unreadableIncludeIsAnError() {
        let denied = ConfigFailure.unreadable(message: "open /secret: Permission denied (EACCES)", errno: 13)
        let reader = ConfigReader { path throws(ConfigFailure) in
            if path == "/c" { return .text("lxc.include = /secret\n") }
            throw denied
        }
        #expect(throws: denied) { try reader.idMap(configPath: "/c") }
    }

    @Test func aMissingIncludeIsSkippedAsLXCDoes() throws {
        let reader = ConfigReader { path throws(ConfigFailure) in
            if path == "/c" { return .text("lxc.include = /usr/share/lxc/config/userns.conf.d/\nlxc.idmap = u 0 1 1\n") }
            throw .missing(path: path, message: "open \(path): ENOENT")
        }
        #expect(try reader.idMap(configPath: "/c").ranges.count == 1)
        let missingConfig = ConfigReader { path throws(ConfigFailure) in throw .missing(path: path, message: "open \(path): ENOENT") }
        #expect(throws: ConfigFailure.missing(path: "/c", message: "open /c: ENOENT"), "the config itself must exist") {
            try missingConfig.idMap(configPath: "/c")
        }
        // Only the include itself may be missing: a file missing from an included directory is an error.
        let vanished = ConfigReader { path throws(ConfigFailure) in
            switch path {
            case "/c": return .text("lxc.include = /d\n")
            case "/d": return .directory(["a.conf"])
            default: throw .missing(path: path, message: "open \(path): ENOENT")
            }
        }
        #expect(throws: ConfigFailure.missing(path: "/d/a.conf", message: "open /d/a.conf: ENOENT")) { try vanished.idMap(configPath: "/c") }
    }
}

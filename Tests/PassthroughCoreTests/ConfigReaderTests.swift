import Testing
@testable import PassthroughCore

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
        #expect(throws: ConfigError.self) { try ConfigReader.deviceEntries(text: line, path: "c") }
        do {
            _ = try ConfigReader.deviceEntries(text: line, path: "c")
        } catch {
            #expect(error.description.contains(String(line.prefix(while: { $0 != ":" }))))
            #expect(error.origin == "c:1")
        }
    }

    @Test func aRepeatedKeyIsAnError() {
        #expect(throws: ConfigError.self) { try ConfigReader.deviceEntries(text: "dev1: /dev/a\ndev1: /dev/b", path: "c") }
    }

    @Test func idMapFollowsIncludesAndDirectories() throws {
        let files: [String: ConfigReader.FileContent] = [
            "/c": .text("lxc.include = /inc\nlxc.idmap = u 0 100000 65536\nlxc.include=/d\n"),
            "/inc": .text("lxc.idmap = u 0 1 1\nlxc.idmap =\n"),
            "/d": .directory(["b.conf", "a.conf", "ignored.txt"]),
            "/d/a.conf": .text("  lxc.idmap = g 0 100000 65536  \n"),
            "/d/b.conf": .text("lxc.id_map = g 65536 5000 10\n"),
        ]
        let reader = ConfigReader { path in
            guard let content = files[path] else { throw SystemError(call: "open", path: path, errno: 2) }
            return content
        }
        let map = try reader.idMap(configPath: "/c")
        #expect(map.ranges == [
            IDMap.Range(kind: .user, containerStart: 0, hostStart: 100000, count: 65536),
            IDMap.Range(kind: .group, containerStart: 0, hostStart: 100000, count: 65536),
            IDMap.Range(kind: .group, containerStart: 65536, hostStart: 5000, count: 10),
        ])
    }

    @Test func includeCyclesAreErrors() {
        let reader = ConfigReader { path in .text("lxc.include = \(path == "/a" ? "/b" : "/a")\n") }
        #expect(throws: ConfigError.self) { try reader.idMap(configPath: "/a") }
    }

    @Test func malformedIDMapIsAnErrorNamingTheLine() {
        let reader = ConfigReader { _ in .text("\nlxc.idmap = u 0 100000\n") }
        #expect(throws: ConfigError.self) { try reader.idMap(configPath: "/c") }
        do { _ = try reader.idMap(configPath: "/c") } catch {
            #expect("\(error)".contains("/c:2"))
        }
    }

    @Test func unreadableIncludeIsAnError() {
        let reader = ConfigReader { path in
            if path == "/c" { return .text("lxc.include = /secret\n") }
            throw SystemError(call: "open", path: path, errno: 13)
        }
        #expect(throws: SystemError.self) { try reader.idMap(configPath: "/c") }
    }

    @Test func aMissingIncludeIsSkippedAsLXCDoes() throws {
        let reader = ConfigReader { path in
            if path == "/c" { return .text("lxc.include = /usr/share/lxc/config/userns.conf.d/\nlxc.idmap = u 0 1 1\n") }
            throw SystemError(call: "open", path: path, errno: 2)
        }
        #expect(try reader.idMap(configPath: "/c").ranges.count == 1)
        let missingConfig = ConfigReader { path in throw SystemError(call: "open", path: path, errno: 2) }
        #expect(throws: SystemError.self, "the config itself must exist") { try missingConfig.idMap(configPath: "/c") }
    }
}

@Suite("id maps")
struct IDMapTests {
    let map = IDMap([
        IDMap.Range(kind: .user, containerStart: 0, hostStart: 100000, count: 65536),
        IDMap.Range(kind: .group, containerStart: 0, hostStart: 100000, count: 1000),
        IDMap.Range(kind: .group, containerStart: 1000, hostStart: 1000, count: 1),
    ])

    @Test func idsInsideARangeAreTranslated() {
        #expect(map.hostID(for: 0, kind: .user) == 100000)
        #expect(map.hostID(for: 65535, kind: .user) == 165535)
        #expect(map.hostID(for: 999, kind: .group) == 100999)
        #expect(map.hostID(for: 1000, kind: .group) == 1000)
    }

    @Test func idsOutsideEveryRangeAreUnmapped() {
        #expect(map.hostID(for: 65536, kind: .user) == nil)
        #expect(map.hostID(for: 1001, kind: .group) == nil)
    }

    @Test func aPrivilegedContainerKeepsItsIDs() {
        #expect(IDMap().hostID(for: 1000, kind: .user) == 1000)
    }

    @Test func rangesThatOverflowTheHostIDSpaceDoNotMap() {
        let edge = IDMap([IDMap.Range(kind: .user, containerStart: 0, hostStart: UInt32.max - 1, count: 10)])
        #expect(edge.hostID(for: 0, kind: .user) == UInt32.max - 1)
        #expect(edge.hostID(for: 1, kind: .user) == nil)
    }

    @Test(arguments: ["u 0 100000 65536", "g\t0\t1\t1", "u  0  1  1"])
    func rangesParse(text: String) { #expect(IDMap.Range(text) != nil) }

    @Test(arguments: ["b 0 1 1", "u 0 1", "u 0 1 0", "u -1 1 1", "u 0 1 1 1", "x 0 1 1"])
    func badRangesDoNotParse(text: String) { #expect(IDMap.Range(text) == nil) }
}

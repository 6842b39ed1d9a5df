import Testing
@testable import PassthroughModel

@Suite("the host's record of a container's processes, and where liblxc sends its commands")
struct RunRecordTests {
    static let record = RunRecord(
        monitor: RunRecord.Process(pid: 1234, startedAt: 5_184_000_000_000), initProcess: RunRecord.Process(pid: 1240, startedAt: 5_184_010_000_000))

    @Test func itSurvivesTheRoundTrip() throws {
        let bytes = RunRecordTests.record.encodedBytes()
        #expect(String(decoding: bytes, as: UTF8.self) == "lxc-passthrough run 1\nmonitor 1234 5184000000000\ninit 1240 5184010000000\n")
        #expect(try RunRecord.decode(bytes: bytes) == RunRecordTests.record)
    }

    @Test func aStartingContainerHasItsMonitorAlone() throws {
        let starting = RunRecord(monitor: RunRecordTests.record.monitor, initProcess: nil)
        let bytes = starting.encodedBytes()
        #expect(String(decoding: bytes, as: UTF8.self) == "lxc-passthrough run 1\nmonitor 1234 5184000000000\n")
        #expect(try RunRecord.decode(bytes: bytes) == starting)
    }

    @Test func theDevicesCgroupFollowsTheInit() throws {
        var record = RunRecordTests.record
        record.devices = RunRecord.CgroupDirectory(path: "/lxc.payload.my ct", device: 35, inode: 1207)
        let bytes = record.encodedBytes()
        #expect(String(decoding: bytes, as: UTF8.self).hasSuffix("init 1240 5184010000000\ndevices 35 1207 /lxc.payload.my\\040ct\n"))
        #expect(try RunRecord.decode(bytes: bytes) == record)
        // Only once start-host has recorded the init.
        record.initProcess = nil
        #expect(try RunRecord.decode(bytes: record.encodedBytes()) == RunRecord(monitor: record.monitor, initProcess: nil))
    }

    @Test func theCgroupOnCgroupV2IsItsOwnLine() throws {
        var record = RunRecordTests.record
        record.devices = RunRecord.CgroupDirectory(hierarchy: .v2, path: "/lxc.payload.ct", device: 28, inode: 9001)
        let bytes = record.encodedBytes()
        #expect(String(decoding: bytes, as: UTF8.self).hasSuffix("init 1240 5184010000000\ncgroup2 28 9001 /lxc.payload.ct\n"))
        #expect(try RunRecord.decode(bytes: bytes) == record)
        #expect(try RunRecord.decode(bytes: bytes).devices?.hierarchy == .v2)
    }

    static let damaged: [(text: String, line: Int)] = [
        ("", 1), ("lxc-passthrough run 2\nmonitor 1 1\ninit 2 2\n", 1), ("lxc-passthrough run 1\n", 2),
        ("lxc-passthrough run 1\nmonitor 1 1\ninit 2 2", 3), ("lxc-passthrough run 1\ninit 1 1\nmonitor 2 2\n", 2),
        ("lxc-passthrough run 1\nmonitor 0 1\ninit 2 2\n", 2), ("lxc-passthrough run 1\nmonitor 1 1\ninit 2147483648 2\n", 3),
        ("lxc-passthrough run 1\nmonitor 1 1 1\ninit 2 2\n", 2), ("lxc-passthrough run 1\nmonitor -1 1\ninit 2 2\n", 2),
        ("lxc-passthrough run 1\nmonitor 1 1\ninit 2 2\nextra\n", 4),
        ("lxc-passthrough run 1\nmonitor 1 1\ninit 2 2\ndevices 1 2\n", 4), ("lxc-passthrough run 1\nmonitor 1 1\ninit 2 2\ndevices 1 2 p\n", 4),
        ("lxc-passthrough run 1\nmonitor 1 1\ninit 2 2\ndevices x 2 /p\n", 4), ("lxc-passthrough run 1\nmonitor 1 1\ninit 2 2\ndevices 1 2 /p q\n", 4),
        ("lxc-passthrough run 1\nmonitor 1 1\ninit 2 2\ndevices 1 2 /p\nmore\n", 5),
        ("lxc-passthrough run 1\nmonitor 1 1\ninit 2 2\ncgroup3 1 2 /p\n", 4), ("lxc-passthrough run 1\nmonitor 1 1\ninit 2 2\ncgroup2 1 2 p\n", 4),
    ]

    @Test("a damaged record is refused, naming its line", arguments: damaged)
    func damagedIsRefused(_ text: String, line: Int) {
        #expect(throws: LineFailure.self) { try RunRecord.decode(bytes: Array(text.utf8)) }
        do {
            _ = try RunRecord.decode(bytes: Array(text.utf8))
        } catch {
            #expect(error.line == line, "\(text.debugDescription)")
        }
    }

    @Test func theCommandSocketIsNamedAsLiblxcNamesIt() {
        #expect(CommandSocketName.of(container: "ct", lxcPath: "/var/lib/lxc") == Array("/var/lib/lxc/ct/command".utf8))
        // The longest name that fits in sun_path with its two NULs: 105 bytes; one more is hashed.
        let fits = "/" + String(repeating: "y", count: 105 - "/n/command".count - 1)
        #expect(CommandSocketName.of(container: "n", lxcPath: fits).count == 105)
        let hashed = String(decoding: CommandSocketName.of(container: "n", lxcPath: fits + "y"), as: UTF8.self)
        let hex = String(CommandSocketName.fnv1a64("\(fits)y/n".utf8), radix: 16)
        #expect(hashed == "lxc/\(String(repeating: "0", count: 16 - hex.count))\(hex)/command")
    }

    @Test("FNV-1a 64 gives the published values", arguments: [("", 0xcbf2_9ce4_8422_2325), ("a", 0xaf63_dc4c_8601_ec8c), ("foobar", 0x8594_4171_f739_67e8)] as [(String, UInt64)])
    func fnv(_ text: String, _ value: UInt64) {
        #expect(CommandSocketName.fnv1a64(text.utf8) == value)
    }
}

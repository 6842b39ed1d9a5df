import Testing
@testable import PassthroughModel

@Suite("the host's record of grants")
struct GrantRecordTests {
    static let loop0 = DeviceNumber(major: 7, minor: 0)

    static func grant(_ key: Int?, _ path: String, readOnly: Bool = false, inode: UInt64 = 3) -> GrantRecord.Grant {
        GrantRecord.Grant(
            key: key.flatMap { DeviceKey(index: $0) }, containerPath: path, type: .block, number: loop0, readOnly: readOnly,
            node: GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: 0, minor: 61), inode: inode, name: key.map { "dev\($0)" } ?? "read-only"))
    }

    static let record = GrantRecord(
        madeAt: 5_184_000_123_456, rules: LiveDeviceRules(hierarchy: .v2, started: commonConfRules + [rule("lxc.cgroup2.devices.allow = b 7:0 rw")]),
        ownRules: commonConfRules, grants: [grant(0, "/dev/loop0"), grant(nil, "/dev/by id/x\n", readOnly: true, inode: 9)])

    @Test func itSurvivesTheRoundTrip() throws {
        let text = GrantRecordTests.record.encoded()
        #expect(text.hasPrefix("lxc-passthrough grants 1\nmade 5184000123456\nhierarchy v2\nrule deny a\n"))
        #expect(text.contains("\ngrant dev0 b 7 0 rw 0:61 3 dev0 /dev/loop0\ngrant - b 7 0 r 0:61 9 read-only /dev/by\\040id/x\\012\n"))
        #expect(try GrantRecord.decode(bytes: Array(text.utf8)) == GrantRecordTests.record)
    }

    @Test func withheldEntriesSurviveTheRoundTrip() throws {
        var record = GrantRecordTests.record
        record.withheld = [GrantRecord.Withheld(key: DeviceKey(index: 4)!, path: "/dev/serial/by-id/a b")]
        let text = record.encoded()
        #expect(text.hasSuffix("\nwithheld dev4 /dev/serial/by-id/a\\040b\n"))
        let decoded = try GrantRecord.decode(bytes: Array(text.utf8))
        #expect(decoded == record)
        #expect(decoded.withholds(DeviceKey(index: 4)!, path: "/dev/serial/by-id/a b"))
        #expect(!decoded.withholds(DeviceKey(index: 4)!, path: "/dev/ttyUSB0"), "another entry under the same key is not withheld")
        for bad in ["withheld dev4\n", "withheld dev256 /dev/x\n", "withheld dev4 /etc/x\n", "withheld dev4 /dev/x y\n"] {
            #expect(throws: GrantRecord.Failure.self) { try GrantRecord.decode(bytes: Array(("lxc-passthrough grants 1\nmade 1\nhierarchy v1\n" + bad).utf8)) }
        }
    }

    @Test func extremeNumbersAndEscapedBytesSurviveTheRoundTrip() throws {
        var record = GrantRecordTests.record
        record.madeAt = .max
        record.grants[0].number = DeviceNumber(major: .max, minor: 0)
        record.grants[0].node = GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: 0, minor: .max), inode: .max, name: "a\\b")
        record.grants[1].containerPath = "/dev/\u{7f}\\ é\u{1}"
        let text = record.encoded()
        #expect(text.contains("made 18446744073709551615\n"))
        #expect(text.contains("grant dev0 b 4294967295 0 rw 0:4294967295 18446744073709551615 a\\134b /dev/loop0\n"))
        #expect(text.contains(" /dev/\\177\\134\\040é\\001\n"))
        #expect(try GrantRecord.decode(bytes: record.encodedBytes()) == record)
    }

    @Test(arguments: [
        ("", 1), ("lxc-passthrough grants 1\nmade 1\n", 3), ("lxc-passthrough grants 1\nmade x\nhierarchy v2\n\n", 2),
        ("lxc-passthrough grants 1\nmade 1\nhierarchy v3\nrule deny a\n", 3),
        ("lxc-passthrough grants 1\nmade 1\nhierarchy v1\nrule deny q\n", 4),
        ("lxc-passthrough grants 1\nmade 1\nhierarchy v1\ngrant dev0 b 7 0 rwm 0:1 2 dev0 /dev/x\n", 4),
        ("lxc-passthrough grants 1\nmade 1\nhierarchy v1\ngrant dev0 b 7 0 rw 0:1 2 dev0 /etc/x\n", 4),
        ("lxc-passthrough grants 1\nmade 1\nhierarchy v1\ngrant dev256 b 7 0 rw 0:1 2 dev0 /dev/x\n", 4),
        ("lxc-passthrough grants 1\nmade 1\nhierarchy v1\nextra\n", 4),
    ])
    func damagedRecordsAreRefusedNamingTheLine(text: String, line: Int) {
        #expect { try GrantRecord.decode(bytes: Array(text.utf8)) } throws: { ($0 as? GrantRecord.Failure)?.line == line }
    }

    @Test func theGoalFollowsEveryGrantOfTheNumber() {
        var record = GrantRecordTests.record
        #expect(record.goal(for: .block, GrantRecordTests.loop0) == .passedThrough(readOnly: false), "one read-write grant makes it read-write")
        record.grants.removeFirst()
        #expect(record.goal(for: .block, GrantRecordTests.loop0) == .passedThrough(readOnly: true))
        record.grants.removeFirst()
        #expect(record.goal(for: .block, GrantRecordTests.loop0) == .revoked(keeping: [.mknod]), "common.conf's own 'b *:* m'")
        #expect(record.goal(for: .character, DeviceNumber(major: 1, minor: 5)) == .revoked(keeping: [.read, .write, .mknod]),
                "common.conf's own /dev/zero")
    }
}

import Testing
import PassthroughModel

@Suite("what the watcher changes in a running container")
struct ReconcilePlanTests {
    static let tty0 = HostDevice(type: .character, number: DeviceNumber(major: 188, minor: 0))
    static let tty1 = HostDevice(type: .character, number: DeviceNumber(major: 188, minor: 1))
    static let node = GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: 0, minor: 50), inode: 2, name: "read-write")

    static func key(_ index: Int) -> DeviceKey { DeviceKey(index: index)! }

    static func entry(_ index: Int, _ value: String, _ host: HostLookup) throws -> ReconcilePlan.Entry {
        ReconcilePlan.Entry(key: key(index), spec: try DeviceSpec.parse(value), host: host)
    }

    static func grant(_ index: Int?, _ path: String, _ device: HostDevice, readOnly: Bool = false) -> GrantRecord.Grant {
        GrantRecord.Grant(key: index.map(key), containerPath: path, type: device.type, number: device.number, readOnly: readOnly, node: node)
    }

    @Test func nothingChangesWhileEveryEntryHasItsDevice() throws {
        let plan = ReconcilePlan(
            entries: [try Self.entry(0, "/dev/serial/by-id/a", .device(Self.tty0)), try Self.entry(1, "/dev/x,required=0", .missing("ENOENT"))],
            grants: [Self.grant(0, "/dev/serial/by-id/a", Self.tty0)])
        #expect(plan.isEmpty)
    }

    @Test func aDeviceThatWentIsTakenBack() throws {
        let plan = ReconcilePlan(entries: [try Self.entry(0, "/dev/ttyUSB0", .missing("ENOENT"))], grants: [Self.grant(0, "/dev/ttyUSB0", Self.tty0)])
        #expect(plan.takeBack.map(\.index) == [0] && plan.takeBack.map(\.reason) == [.gone])
        #expect(plan.give.isEmpty)
    }

    @Test func aNewNumberBehindTheSamePathIsTakenBackThenGiven() throws {
        let entry = try Self.entry(0, "/dev/serial/by-id/a,mp=/dev/zigbee", .device(Self.tty1))
        let plan = ReconcilePlan(entries: [entry], grants: [Self.grant(0, "/dev/zigbee", Self.tty0)])
        #expect(plan.takeBack.map(\.index) == [0] && plan.takeBack.map(\.reason) == [.replaced])
        #expect(plan.give.map(\.entry) == [entry] && plan.give.map(\.device) == [Self.tty1])
    }

    @Test func anEntryChangedSinceItWasGivenIsGivenAgain() throws {
        // deny-write now, and another container path: both are the grant's to match.
        let readOnly = ReconcilePlan(entries: [try Self.entry(0, "/dev/ttyUSB0,deny-write=1", .device(Self.tty0))], grants: [Self.grant(0, "/dev/ttyUSB0", Self.tty0)])
        #expect(readOnly.takeBack.map(\.index) == [0] && readOnly.give.count == 1)
        let moved = ReconcilePlan(entries: [try Self.entry(0, "/dev/ttyUSB0,mp=/dev/modem", .device(Self.tty0))], grants: [Self.grant(0, "/dev/ttyUSB0", Self.tty0)])
        #expect(moved.takeBack.map(\.index) == [0] && moved.give.map(\.entry.spec.containerPath) == ["/dev/modem"])
    }

    @Test func anOptionalDeviceThatAppearedIsGivenInKeyOrder() throws {
        let entries = [try Self.entry(5, "/dev/ttyUSB1", .device(Self.tty1)), try Self.entry(2, "/dev/ttyUSB0,required=0", .device(Self.tty0))]
        let plan = ReconcilePlan(entries: entries, grants: [])
        #expect(plan.takeBack.isEmpty)
        #expect(plan.give.map(\.entry.key) == [Self.key(2), Self.key(5)])
    }

    @Test func grantsNoEntryNamesAreLeftAlone() throws {
        let plan = ReconcilePlan(entries: [], grants: [Self.grant(nil, "/dev/ttyUSB0", Self.tty0), Self.grant(7, "/dev/ttyUSB1", Self.tty1)])
        #expect(plan.isEmpty)
    }

    @Test func aPathTakenByAGrantThatStaysIsNotGivenTwice() throws {
        // A temporary grant holds /dev/ttyUSB0: the entry cannot be put there.
        let plan = ReconcilePlan(entries: [try Self.entry(0, "/dev/ttyUSB0", .device(Self.tty1))], grants: [Self.grant(nil, "/dev/ttyUSB0", Self.tty0)])
        #expect(plan.isEmpty)
    }

    @Test func duplicateGrantsOfOneKeyKeepOneAndTakeBackTheRestHighestFirst() throws {
        let plan = ReconcilePlan(
            entries: [try Self.entry(0, "/dev/ttyUSB0", .device(Self.tty0))],
            grants: [Self.grant(0, "/dev/ttyUSB0", Self.tty1), Self.grant(0, "/dev/ttyUSB0", Self.tty0), Self.grant(0, "/dev/ttyUSB0", Self.tty0)])
        #expect(plan.takeBack.map(\.index) == [2, 0])
        #expect(plan.give.isEmpty)
    }

    @Test func anEntryWithheldFromThisRunIsNotGivenBack() throws {
        let entry = try Self.entry(0, "/dev/ttyUSB0", .device(Self.tty0))
        let withheld = [GrantRecord.Withheld(key: Self.key(0), path: "/dev/ttyUSB0")]
        #expect(ReconcilePlan(entries: [entry], grants: [], withheld: withheld).isEmpty)
        // The key now names another path: that entry is not withheld.
        let other = try Self.entry(0, "/dev/ttyUSB1", .device(Self.tty1))
        #expect(ReconcilePlan(entries: [other], grants: [], withheld: withheld).give.count == 1)
    }
}

@Suite("a node left after its access was taken back")
struct LeftNodeTests {
    @Test func aLeftNodeBlocksItsPathAndItsNumberAndIsTriedAgain() throws {
        let left = ReconcilePlanTests.grant(0, "/dev/ttyUSB0", ReconcilePlanTests.tty0)
        // The same path, another device: not given while the node is there.
        let samePath = ReconcilePlan(
            entries: [try ReconcilePlanTests.entry(0, "/dev/ttyUSB0", .device(ReconcilePlanTests.tty1))], grants: [], left: [left])
        #expect(samePath.give.isEmpty && samePath.removeLeft == [0] && !samePath.isEmpty)
        // Another path, the same device number: not given either.
        let sameNumber = ReconcilePlan(
            entries: [try ReconcilePlanTests.entry(1, "/dev/modem", .device(ReconcilePlanTests.tty0))], grants: [], left: [left])
        #expect(sameNumber.give.isEmpty && sameNumber.removeLeft == [0])
        // Nothing to do with it: given as ever, and the left node is not touched.
        let other = ReconcilePlan(
            entries: [try ReconcilePlanTests.entry(1, "/dev/modem", .device(ReconcilePlanTests.tty1))], grants: [], left: [left])
        #expect(other.give.map(\.entry.key) == [ReconcilePlanTests.key(1)] && other.removeLeft.isEmpty)
    }

    @Test func leftNodesSurviveTheRecordsRoundTrip() throws {
        let node = GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: 0, minor: 61), inode: 4, name: "dev2")
        let left = GrantRecord.Grant(
            key: DeviceKey(index: 2), containerPath: "/dev/ttyUSB0", type: .character, number: DeviceNumber(major: 188, minor: 0), readOnly: false,
            node: node)
        let record = GrantRecord(madeAt: 1, rules: LiveDeviceRules(hierarchy: .v1, started: []), ownRules: [], left: [left])
        let text = record.encoded()
        #expect(text.hasSuffix("\nleft dev2 c 188 0 rw 0:61 4 dev2 /dev/ttyUSB0\n"))
        #expect(try GrantRecord.decode(bytes: Array(text.utf8)) == record)
    }
}

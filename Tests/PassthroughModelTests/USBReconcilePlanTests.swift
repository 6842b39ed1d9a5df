import Testing
import PassthroughModel

/// The watcher's plan for USB entries: what sysfs says the selector matches
/// now (`ReconcilePlan.Entry.nodes`) against what the container was given.
@Suite("what the watcher changes in a running container for a USB entry")
struct USBReconcilePlanTests {
    static let identity = GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: 0, minor: 50), inode: 2, name: "read-write")

    static func key(_ index: Int) -> DeviceKey { DeviceKey(index: index)! }

    static func node(_ name: String, _ major: UInt32, _ minor: UInt32) -> ResolvedNode {
        ResolvedNode(hostPath: "/dev/" + name, containerPath: "/dev/" + name, type: .character, number: DeviceNumber(major: major, minor: minor))
    }

    static func entry(_ index: Int, _ value: String, _ nodes: [ResolvedNode]) throws -> ReconcilePlan.Entry {
        ReconcilePlan.Entry(key: key(index), spec: try DeviceSpec.parse(value), nodes: nodes)
    }

    static func grant(_ index: Int?, _ node: ResolvedNode, readOnly: Bool = false) -> GrantRecord.Grant {
        GrantRecord.Grant(key: index.map(key), containerPath: node.containerPath, type: node.type, number: node.number, readOnly: readOnly, node: identity)
    }

    static let adapter = node("bus/usb/001/005", 189, 4)
    static let tty = node("ttyUSB0", 188, 0)

    @Test("a device replugged at a new address: its old node is taken back as gone, the new one given at its new path")
    func replugWithANewAddress() throws {
        let replugged = Self.node("bus/usb/001/007", 189, 6)
        let entry = try Self.entry(0, "usb=10c4:ea60,serial=E1", [replugged])
        let plan = ReconcilePlan(entries: [entry], grants: [Self.grant(0, Self.adapter)])
        #expect(plan.takeBack.map(\.index) == [0] && plan.takeBack.map(\.reason) == [.gone])
        #expect(plan.give.map(\.node) == [replugged] && plan.give.map(\.containerPath) == ["/dev/bus/usb/001/007"])
    }

    @Test("the Coral enumerated again with its other pair: the same entry, another address")
    func coralReEnumeration() throws {
        let bootloader = Self.node("bus/usb/002/002", 189, 129), runtime = Self.node("bus/usb/002/003", 189, 130)
        let before = ReconcilePlan(entries: [try Self.entry(3, "usb=1a6e:089a;18d1:9302", [bootloader])], grants: [])
        #expect(before.give.map(\.node) == [bootloader])
        let after = ReconcilePlan(entries: [try Self.entry(3, "usb=1a6e:089a;18d1:9302", [runtime])], grants: [Self.grant(3, bootloader)])
        #expect(after.takeBack.map(\.index) == [0] && after.give.map(\.node) == [runtime])
    }

    @Test("nodes=all: an interface's node that comes is given alone, one that goes is taken back alone")
    func compositeNodesComeAndGo() throws {
        let hidraw = Self.node("hidraw0", 241, 0)
        let grants = [Self.grant(0, Self.adapter), Self.grant(0, Self.tty)]
        let more = ReconcilePlan(entries: [try Self.entry(0, "usb-port=1-2,nodes=all", [Self.adapter, Self.tty, hidraw])], grants: grants)
        #expect(more.takeBack.isEmpty && more.give.map(\.node) == [hidraw])
        let fewer = ReconcilePlan(entries: [try Self.entry(0, "usb-port=1-2,nodes=all", [Self.adapter])], grants: grants)
        #expect(fewer.takeBack.map(\.index) == [1] && fewer.takeBack.map(\.reason) == [.gone] && fewer.give.isEmpty)
        let same = ReconcilePlan(entries: [try Self.entry(0, "usb-port=1-2,nodes=all", [Self.adapter, Self.tty])], grants: grants)
        #expect(same.isEmpty)
    }

    @Test("a node renumbered behind its path is replaced there; deny-write changed is given again")
    func aNodeRenumberedBehindItsPath() throws {
        let renumbered = Self.node("ttyUSB0", 188, 3)
        let plan = ReconcilePlan(entries: [try Self.entry(0, "usb-port=1-2,nodes=all", [Self.adapter, renumbered])],
                                 grants: [Self.grant(0, Self.adapter), Self.grant(0, Self.tty)])
        #expect(plan.takeBack.map(\.index) == [1] && plan.takeBack.map(\.reason) == [.replaced] && plan.give.map(\.node) == [renumbered])
        let readOnly = ReconcilePlan(entries: [try Self.entry(0, "usb-port=1-2,deny-write=1", [Self.adapter])], grants: [Self.grant(0, Self.adapter)])
        #expect(readOnly.takeBack.map(\.index) == [0] && readOnly.give.map(\.node) == [Self.adapter])
    }

    @Test("no device matches now: every node of the entry is taken back; a withheld entry is given nothing")
    func noMatchAndWithheld() throws {
        let gone = ReconcilePlan(entries: [try Self.entry(0, "usb=10c4:ea60", [])], grants: [Self.grant(0, Self.adapter), Self.grant(0, Self.tty)])
        #expect(gone.takeBack.map(\.index) == [1, 0] && gone.takeBack.map(\.reason) == [.gone, .gone])
        let entry = try Self.entry(0, "usb=10c4:ea60", [Self.adapter])
        let withheld = ReconcilePlan(entries: [entry], grants: [], withheld: [GrantRecord.Withheld(key: Self.key(0), path: "usb 10c4:ea60")])
        #expect(withheld.isEmpty)
    }

    @Test("a node's path held by another grant, or a node left, keeps it from being given; two entries' nodes each go once")
    func occupiedPathsAndLeftNodes() throws {
        let temporary = ReconcilePlan(entries: [try Self.entry(0, "usb=10c4:ea60", [Self.adapter])], grants: [Self.grant(nil, Self.adapter)])
        #expect(temporary.isEmpty, "attach --temporary holds the path")
        let left = ReconcilePlan(entries: [try Self.entry(0, "usb=10c4:ea60", [Self.adapter])], grants: [], left: [Self.grant(0, Self.adapter)])
        #expect(left.give.isEmpty && left.removeLeft == [0])
        let twin = Self.node("bus/usb/001/006", 189, 5)
        let both = ReconcilePlan(
            entries: [try Self.entry(0, "usb=10c4:ea60,usb-port=1-2", [Self.adapter]), try Self.entry(1, "usb=10c4:ea60,usb-port=1-3", [twin])], grants: [])
        #expect(both.give.map(\.entry.key) == [Self.key(0), Self.key(1)] && both.give.map(\.node) == [Self.adapter, twin])
    }
}

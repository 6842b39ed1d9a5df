import Testing
@testable import PassthroughModel

@Suite("pre-start plan")
struct PlanTests {
    func entries(_ values: [(Int, String)]) -> [ContainerConfig.Entry] {
        values.map { ContainerConfig.Entry(key: DeviceKey(index: $0.0)!, value: $0.1, origin: "cfg:\($0.0 + 1)") }
    }

    let unprivileged = IDMap([
        IDMap.Range(kind: .user, containerStart: 0, hostStart: 100000, count: 65536),
        IDMap.Range(kind: .group, containerStart: 0, hostStart: 100000, count: 65536),
    ])

    @Test func ownersAreMappedThroughTheIDMap() throws {
        let devices = try DevicePlanner.requestedDevices(entries: entries([(0, "/dev/ttyUSB0,uid=1000,gid=20")]), idMap: unprivileged)
        #expect(devices.map(\.hostUID) == [101000])
        #expect(devices.map(\.hostGID) == [100020])
    }

    @Test func privilegedContainersKeepIDs() throws {
        let devices = try DevicePlanner.requestedDevices(entries: entries([(0, "/dev/ttyUSB0,uid=1000,gid=20")]), idMap: IDMap())
        #expect(devices.map(\.hostUID) == [1000])
    }

    @Test func unmappedIDsAreErrorsNamingTheDeviceAndID() {
        #expect {
            try DevicePlanner.requestedDevices(entries: entries([(3, "/dev/a,uid=70000")]), idMap: unprivileged)
        } throws: { error in
            let text = "\(error)"
            return text.contains("dev3 (/dev/a)") && text.contains("uid 70000") && text.contains("u 0 100000 65536")
        }
        #expect {
            try DevicePlanner.requestedDevices(entries: entries([(1, "/dev/a,gid=65536")]), idMap: unprivileged)
        } throws: { "\($0)".contains("gid 65536") }
    }

    @Test func denyWriteNodesOfUnprivilegedContainersBelongToHostRootWithoutWriteBits() throws {
        let entries = entries([(0, "/dev/a,mode=0664,uid=1000,gid=20,deny-write=1"), (1, "/dev/b,mode=0660,uid=1000")])
        let unprivileged = try DevicePlanner.requestedDevices(entries: entries, idMap: self.unprivileged)
        #expect(unprivileged.map(\.hostUID) == [0, 101000])
        #expect(unprivileged.map(\.hostGID) == [100020, 100000])
        #expect(unprivileged.map(\.mode) == [0o444, 0o660])
        let privileged = try DevicePlanner.requestedDevices(entries: entries, idMap: IDMap())
        #expect(privileged.map(\.hostUID) == [1000, 1000])
        #expect(privileged.map(\.mode) == [0o664, 0o660], "privileged: the cgroup rules do it")
    }

    @Test func theSamePathTwiceIsAnError() {
        #expect {
            try DevicePlanner.requestedDevices(entries: entries([(0, "/dev/a"), (5, "/dev//a")]), idMap: IDMap())
        } throws: { "\($0)".contains("dev5 (/dev//a)") && "\($0)".contains("dev0") }
    }

    @Test func badEntriesNameTheKeyTheTextAndTheLine() {
        #expect {
            try DevicePlanner.requestedDevices(entries: entries([(2, "/dev/a,mode=4660")]), idMap: IDMap())
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("dev2:") && text.contains("/dev/a,mode=4660") && text.contains("cfg:3") && text.contains("'4660'")
        }
    }

    @Test func planMakesEachNodeThenWritesTheList() throws {
        let devices = try DevicePlanner.requestedDevices(
            entries: entries([(0, "/dev/ttyUSB0,mode=0600,uid=1000"), (4, "/dev/serial/by-id/x y,gid=5")]), idMap: unprivileged)
        let hosts = [
            HostDevice(type: .character, number: DeviceNumber(major: 188, minor: 0)),
            HostDevice(type: .character, number: DeviceNumber(major: 188, minor: 1)),
        ]
        let plan = PrestartPlan(nodes: try Self.nodes(devices, hosts), containerRoot: (100000, 100000))
        let dev0 = NodeName(DeviceKey(index: 0)!), dev4 = NodeName(DeviceKey(index: 4)!)
        #expect(plan.actions == [
            .mountTmpfs(options: PrestartPlan.tmpfsOptions),
            .makeNode(dev0, .character, DeviceNumber(major: 188, minor: 0)),
            .setOwner(dev0, uid: 101000, gid: 100000),
            .setMode(dev0, 0o600),
            .makeNode(dev4, .character, DeviceNumber(major: 188, minor: 1)),
            .setOwner(dev4, uid: 100000, gid: 100005),
            .setMode(dev4, 0o660),
            .makeAutodevErrorFile(uid: 100000, gid: 100000),
            .writeList("lxc-passthrough device list 1\ndev0 c 188 0 /dev/ttyUSB0\ndev4 c 188 1 /dev/serial/by-id/x\\040y\n"),
        ])
    }

    /// Each path entry's one node, the device at `hosts` (as the resolver would find it).
    static func nodes(_ devices: [RequestedDevice], _ hosts: [HostDevice]) throws -> [PlannedNode] {
        try zip(devices, hosts).map { device, host in
            let path = try #require(device.containerPath)
            return device.node(ResolvedNode(hostPath: path, containerPath: path, type: host.type, number: host.number), index: 0)
        }
    }

    @Test("a USB entry's nodes are named by its key and their index, and listed at their own paths")
    func aUSBEntrysNodesAreNamedByIndex() throws {
        let devices = try DevicePlanner.requestedDevices(entries: entries([(3, "usb=10c4:ea60,nodes=all,gid=20")]), idMap: IDMap())
        #expect(devices.first?.containerPath == nil, "a USB entry's paths are its nodes'")
        let found = [
            ResolvedNode(hostPath: "/dev/bus/usb/001/005", containerPath: "/dev/bus/usb/001/005", type: .character, number: DeviceNumber(major: 189, minor: 4)),
            ResolvedNode(hostPath: "/dev/ttyUSB0", containerPath: "/dev/ttyUSB0", type: .character, number: DeviceNumber(major: 188, minor: 0)),
        ]
        let device = try #require(devices.first)
        let nodes = found.enumerated().map { device.node($1, index: $0) }
        #expect(nodes.map(\.name.description) == ["dev3", "dev3.1"])
        #expect(nodes.allSatisfy { $0.label == "dev3 (usb 10c4:ea60)" && $0.hostGID == 20 && $0.isFound })
        #expect(nodes[1].about("rule out of date") == "/dev/ttyUSB0: rule out of date")
        let plan = PrestartPlan(nodes: nodes)
        guard case .writeList(let text) = plan.actions.last else { Issue.record("no list"); return }
        #expect(text == "lxc-passthrough device list 1\ndev3 c 189 4 /dev/bus/usb/001/005\ndev3.1 c 188 0 /dev/ttyUSB0\n")
        #expect(try DeviceList.decode(text).items.map(\.name) == [NodeName(DeviceKey(index: 3)!), NodeName(DeviceKey(index: 3)!, index: 1)])
    }

    @Test(arguments: ["dev3.0", "dev3.01", "dev3.", "dev3.x", "dev256.1", "dev3.1.2", "dev3.-1"])
    func nodeNamesAreCanonical(text: String) {
        #expect(NodeName(text) == nil)
    }

    @Test func noDevicesMeansNothingToDo() {
        #expect(PrestartPlan(nodes: []).actions.isEmpty)
    }

    @Test func listFor256LongPathsFitsTheTmpfs() throws {
        let long = "/dev/serial/by-id/" + String(repeating: "u", count: 255 - 18)
        #expect(long.utf8.count == 255)
        let values = (0...255).map { ($0, String(long.dropLast(3)) + format3($0)) }
        let devices = try DevicePlanner.requestedDevices(entries: entries(values), idMap: IDMap())
        let plan = PrestartPlan(nodes: try Self.nodes(devices, Array(repeating: HostDevice(type: .block, number: DeviceNumber(major: 7, minor: 0)), count: 256)))
        guard case .writeList(let text) = plan.actions.last else { Issue.record("no list"); return }
        // The tmpfs is mounted with size=1m.
        #expect(text.utf8.count < 1 << 20)
        #expect(text.utf8.count > 256 * 255)
    }

    func format3(_ n: Int) -> String { String(repeating: "0", count: 3 - String(n).count) + String(n) }
}

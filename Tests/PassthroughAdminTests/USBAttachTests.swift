import Testing
@testable import PassthroughAdmin
import PassthroughModel
import PassthroughSystem

/// `attach --usb`: every node a USB selector matches, given under one entry, all or nothing.
@Suite("attach of a USB device by what it is")
struct USBAttachTests {
    static let adapter = DeviceNumber(major: 189, minor: 4), tty = DeviceNumber(major: 188, minor: 0)

    func administration(_ scratch: ScratchContainer, _ sysfs: SysfsRoot) -> Administration {
        var administration = LiveChangesTests().administration(scratch)
        administration.resolver = DeviceResolver(sysfs: sysfs)
        return administration
    }

    static func request(_ value: String, temporary: Bool = false) throws -> AttachRequest {
        guard case .usb(let selector, let nodes) = try DeviceSpec.parse(value).selector else { throw AdminError("\(value) is no USB entry") }
        return AttachRequest(usb: selector, nodes: nodes, options: NodeOptions(gid: 20), temporary: temporary)
    }

    @Test("every node the selector matches is given at its udev path, each with its rule, recorded under the one entry that is added")
    func everyNodeGivenUnderOneEntry() throws {
        try USBEntryAdministrationTests.withSysfs { sysfs in
            let scratch = try ScratchContainer(config: "lxc.include = /common.conf\n")
            let live = FakeLiveSystem()
            let result = try administration(scratch, sysfs).attach(try Self.request("usb=10c4:ea60,serial=0001,nodes=all"), live: live, include: "/p")
            #expect(result.key?.description == "dev0")
            #expect(result.nodes.map(\.containerPath) == ["/dev/bus/usb/001/005", "/dev/ttyUSB0"] && result.node.containerPath == "/dev/bus/usb/001/005")
            #expect(live.events.filter { $0.kind == "place" }.count == 2 && live.events.filter { $0.kind == "apply" }.count == 2)
            #expect(live.record?.grants.map(\.key?.description) == ["dev0", "dev0"])
            #expect(live.record?.grants.map(\.number) == [Self.adapter, Self.tty])
            #expect(result.given == live.record?.grants, "what the container is told of")
            #expect(result.sysfsDirectories["/dev/ttyUSB0"] == "bus/usb/devices/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0")
            #expect(scratch.config.contains("\ndev0: usb=10c4:ea60,serial=0001,nodes=all,gid=20\n"), "\(scratch.config)")
            #expect(scratch.config.contains("lxc.cgroup.devices.allow = c 189:4 rw\n") && scratch.config.contains("lxc.cgroup.devices.allow = c 188:0 rw\n"))
        }
    }

    @Test("no device that matches: refused before anything is done")
    func noMatchIsRefused() throws {
        try USBEntryAdministrationTests.withSysfs { sysfs in
            let scratch = try ScratchContainer(config: "lxc.include = /common.conf\n")
            let live = FakeLiveSystem()
            #expect { try administration(scratch, sysfs).attach(try Self.request("usb=1a6e:089a"), live: live, include: "/p") } throws: {
                "\($0)".contains("usb 1a6e:089a: no USB device matches 1a6e:089a now")
            }
            #expect(live.events.isEmpty && live.record == nil && scratch.config == "lxc.include = /common.conf\n")
        }
    }

    @Test("a node that cannot be given takes back those given before it, and the entry is not written")
    func allOrNothing() throws {
        try USBEntryAdministrationTests.withSysfs { sysfs in
            let scratch = try ScratchContainer(config: "lxc.include = /common.conf\n")
            let live = FakeLiveSystem()
            // /dev/ttyUSB0 holds another device given before (attach --temporary of something else).
            let other = GrantRecord.Grant(key: nil, containerPath: "/dev/ttyUSB0", type: .character, number: DeviceNumber(major: 1, minor: 3),
                                          readOnly: false, node: GrantRecord.NodeIdentity(fileSystem: DeviceNumber(major: 0, minor: 99), inode: 7, name: "read-write"))
            live.record = GrantRecord(madeAt: 2_000, rules: LiveDeviceRules(hierarchy: .v1, started: []), ownRules: [], grants: [other])
            #expect { try administration(scratch, sysfs).attach(try Self.request("usb-port=1-2,nodes=all", temporary: true), live: live, include: "/p") } throws: {
                "\($0)".contains("/dev/ttyUSB0 is given to container") && "\($0)".contains("the 1 node(s) given before it were taken back")
            }
            #expect(live.record?.grants == [other], "the adapter's node was taken back: \(String(describing: live.record?.grants))")
            #expect(live.events.contains(.remove("/dev/bus/usb/001/005")))
            #expect(live.record?.rules.policy.permits(.character, Self.adapter, [.read]) == false, "its access taken back")
            #expect(scratch.config == "lxc.include = /common.conf\n")
        }
    }
}

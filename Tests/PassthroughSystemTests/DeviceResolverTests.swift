import Glibc
import PassthroughModel
@testable import PassthroughSystem
import Testing

/// Selectors resolved to host nodes: paths on this host's /dev, USB devices
/// in a stand-in sysfs (`SysfsTree`).
@Suite("one resolver: a selector to the host's device nodes now")
struct DeviceResolverTests {
    /// What `resolver` makes of the entry `value` (any error thrown, the entry's or the resolver's).
    /// Where each node was found in sysfs is left out (`withoutDirectories`): `nodesSayWhereSysfsHasThem` checks it.
    static func resolve(_ resolver: DeviceResolver, _ value: String) throws -> Resolution {
        let spec = try DeviceSpec.parse(value)
        return withoutDirectories(try resolver.resolve(spec))
    }

    /// `resolution` without each node's `sysfsDirectory`.
    static func withoutDirectories(_ resolution: Resolution) -> Resolution {
        guard case .nodes(let nodes) = resolution else { return resolution }
        return .nodes(nodes.map { node in
            var node = node
            node.sysfsDirectory = nil
            return node
        })
    }

    static func node(_ name: String, _ major: UInt32, _ minor: UInt32, _ type: DeviceType = .character) -> ResolvedNode {
        ResolvedNode(hostPath: "/dev/" + name, containerPath: "/dev/" + name, type: type, number: DeviceNumber(major: major, minor: minor))
    }

    @Test func aPathIsLookedUpAsPrestartAlwaysHas() throws {
        let resolver = DeviceResolver(sysfs: SysfsRoot("/nonexistent"))
        #expect(try resolver.resolve(DeviceSpec(path: "/dev/null")) == .nodes([Self.node("null", 1, 3)]))
        #expect(try resolver.resolve(DeviceSpec(path: "/dev/null", mountPath: "/dev//other/")) == .nodes([
            ResolvedNode(hostPath: "/dev/null", containerPath: "/dev/other", type: .character, number: DeviceNumber(major: 1, minor: 3)),
        ]))
        #expect(try resolver.resolve(DeviceSpec(path: "/dev/no-such-node")) == HostLookup.live("/dev/no-such-node").resolution)
        guard case .missing(let why) = try resolver.resolve(DeviceSpec(path: "/dev/no-such-node")) else {
            Issue.record("a missing path is missing")
            return
        }
        #expect(why.hasPrefix("cannot find the device on the host: ") && why.contains("ENOENT"))
        guard case .notADevice = try resolver.resolve(DeviceSpec(path: "/dev/pts")) else {
            Issue.record("a directory is not a device")
            return
        }
    }

    @Test("every device that matches is given: two identical adapters, told apart by serial or port when asked")
    func everyMatchingDeviceIsGiven() throws {
        try SysfsTree.withUSB { tree throws in
            let resolver = DeviceResolver(sysfs: tree.sysfs)
            #expect(try Self.resolve(resolver, "usb=10c4:ea60") == .nodes([Self.node("bus/usb/001/005", 189, 4), Self.node("bus/usb/001/006", 189, 5)]))
            #expect(try Self.resolve(resolver, "usb=10c4:ea60,serial=0002") == .nodes([Self.node("bus/usb/001/006", 189, 5)]))
            #expect(try Self.resolve(resolver, "usb-port=1-2") == .nodes([Self.node("bus/usb/001/005", 189, 4)]))
            #expect(try Self.resolve(resolver, "usb=10c4:ea60,usb-port=1-2,nodes=all") == .nodes([
                Self.node("bus/usb/001/005", 189, 4), Self.node("ttyUSB0", 188, 0),
            ]))
            #expect(try Self.resolve(resolver, "usb=10c4:ea60,nodes=all") == .nodes([
                Self.node("bus/usb/001/005", 189, 4), Self.node("ttyUSB0", 188, 0), Self.node("bus/usb/001/006", 189, 5), Self.node("ttyUSB1", 188, 1),
            ]))
        }
    }

    @Test("nodes=all gives every node below the device, each at /dev/ and its DEVNAME, block devices as block")
    func everyNodeBelowTheDevice() throws {
        try SysfsTree.withUSB { tree throws in
            let resolver = DeviceResolver(sysfs: tree.sysfs)
            #expect(try Self.resolve(resolver, "usb=046d:0825,nodes=all") == .nodes([
                Self.node("bus/usb/001/007", 189, 6), Self.node("media0", 236, 0), Self.node("video0", 81, 0), Self.node("snd/controlC1", 116, 10),
                Self.node("snd/pcmC1D0c", 116, 11), Self.node("hidraw0", 241, 0), Self.node("input/event3", 13, 67),
            ]))
            #expect(try Self.resolve(resolver, "usb-port=1-5,nodes=all") == .nodes([
                Self.node("bus/usb/001/008", 189, 7), Self.node("sdb", 8, 16, .block), Self.node("sdb1", 8, 17, .block), Self.node("bsg/6:0:0:0", 247, 0),
            ]))
        }
    }

    @Test("the Coral is found under either pair, with its new address once it changed them")
    func aDeviceThatChangesItsIdsIsFoundByEitherPair() throws {
        try SysfsTree.withUSB { tree throws in
            let resolver = DeviceResolver(sysfs: tree.sysfs)
            let coral = try DeviceSpec.parse("usb=1a6e:089a;18d1:9302")
            #expect(Self.withoutDirectories(try resolver.resolve(coral)) == .nodes([Self.node("bus/usb/002/002", 189, 129)]))
            let path = SysfsTree.bus2 + "/2-1"
            try tree.file(path + "/idVendor", "18d1\n")
            try tree.file(path + "/idProduct", "9302\n")
            try tree.file(path + "/devnum", "3\n")
            try tree.file(path + "/dev", "189:130\n")
            try tree.file(path + "/uevent", "MAJOR=189\nMINOR=130\nDEVNAME=bus/usb/002/003\nDEVTYPE=usb_device\n")
            #expect(Self.withoutDirectories(try resolver.resolve(coral)) == .nodes([Self.node("bus/usb/002/003", 189, 130)]))
            #expect(try Self.resolve(resolver, "usb=1a6e:089a") == .missing("no USB device matches 1a6e:089a now"))
        }
    }

    @Test("a USB device's nodes say where sysfs has them, below its port's link; what a container is told of one is read there")
    func nodesSayWhereSysfsHasThem() throws {
        try SysfsTree.withUSB { tree throws in
            let resolver = DeviceResolver(sysfs: tree.sysfs)
            let resolved = try resolver.resolve(try DeviceSpec.parse("usb-port=1-2,nodes=all"))
            guard case .nodes(let nodes) = resolved else {
                Issue.record("1-2 is there: \(resolved)")
                return
            }
            #expect(nodes.map(\.sysfsDirectory) == ["bus/usb/devices/1-2", "bus/usb/devices/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0"])
            let ttyDirectory = try #require(nodes[1].sysfsDirectory)
            let tty = try #require(try tree.sysfs.device(inDirectory: ttyDirectory, .character, DeviceNumber(major: 188, minor: 0)))
            #expect(tty.devicePath == "/\(SysfsTree.bus1)/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0" && tty.node.subsystem == "tty" && tty.node.name == "ttyUSB0")
            let own = try #require(try tree.sysfs.device(inDirectory: "bus/usb/devices/1-2", .character, DeviceNumber(major: 189, minor: 4)))
            let message = own.message(.add, at: "/dev/bus/usb/001/005")
            #expect(message.devicePath == "/\(SysfsTree.bus1)/1-2" && message.subsystem == "usb" && message.deviceType == "usb_device")
            #expect(message.more == [.init("PRODUCT", "10c4/ea60/100"), .init("BUSNUM", "001"), .init("DEVNUM", "005")], "\(message.more)")
            // Another number there now (the device replugged behind the path): not it.
            #expect(try tree.sysfs.device(inDirectory: "bus/usb/devices/1-2", .character, DeviceNumber(major: 189, minor: 9)) == nil)
            // Gone: nil; a directory not below a USB port's link is refused.
            #expect(try tree.sysfs.device(inDirectory: "bus/usb/devices/1-9", .character, DeviceNumber(major: 189, minor: 4)) == nil)
            #expect(throws: SysfsError.self) { try tree.sysfs.device(inDirectory: "bus/usb/devices/1-2/../../../class/tty/ttyS0", .character, DeviceNumber(major: 4, minor: 64)) }
            #expect(throws: SysfsError.self) { try tree.sysfs.device(inDirectory: "class/tty/ttyS0", .character, DeviceNumber(major: 4, minor: 64)) }
        }
    }

    @Test func noMatchingDeviceIsMissingNamingTheSelector() throws {
        try SysfsTree.withUSB { tree throws in
            let resolver = DeviceResolver(sysfs: tree.sysfs)
            #expect(try Self.resolve(resolver, "usb=10c4:ea60,serial=0003") == .missing("no USB device matches 10c4:ea60 serial 0003 now"))
            #expect(try Self.resolve(resolver, "usb-port=1-9,nodes=all") == .missing("no USB device matches port 1-9 now"))
        }
    }

    @Test("a host without USB (no bus/usb in sysfs) has no device that matches")
    func aHostWithoutUSBHasNone() throws {
        try SysfsTree.with { tree throws in
            let resolution = try Self.resolve(DeviceResolver(sysfs: tree.sysfs), "usb=10c4:ea60")
            #expect(resolution == .missing(
                "no USB device matches 10c4:ea60: the host has no USB bus (\(SystemError(call: "open", path: tree.root + "/bus/usb/devices", errno: ENOENT)))"))
        }
    }

    @Test("a device that cannot be read is an error naming its file, never a silent 'none'")
    func anUnreadableDeviceIsAnError() throws {
        try SysfsTree.withUSB { tree throws in
            try tree.file(SysfsTree.bus1 + "/1-3/idVendor", "zz\n")
            let resolver = DeviceResolver(sysfs: tree.sysfs)
            let devices = tree.root + "/bus/usb/devices"
            // A selector no device that can be read matches: what the damaged one is cannot be known.
            #expect(throws: DeviceResolver.Failure([.device(path: devices + "/1-3", .attribute(.notHexadecimal(attribute: "idVendor", text: "zz")))])) {
                try Self.resolve(resolver, "usb=dead:beef")
            }
            #expect("\(DeviceResolver.Failure([.device(path: devices + "/1-3", .attribute(.notHexadecimal(attribute: "idVendor", text: "zz")))]))"
                == "cannot read the host's USB devices from sysfs: \(devices)/1-3/idVendor: 'zz' is not four hexadecimal digits")
        }
    }

    @Test("an unreadable device takes nothing from a selector that matches another device, or names another port; one naming its port gets its error")
    func anUnreadableDeviceLeavesTheOthersAlone() throws {
        try SysfsTree.withUSB { tree throws in
            try tree.file(SysfsTree.bus1 + "/1-3/idVendor", "zz\n")
            let resolver = DeviceResolver(sysfs: tree.sysfs)
            let camera = try Self.resolve(resolver, "usb=046d:0825")
            guard case .nodes(let cameraNodes) = camera else { Issue.record("\(camera)"); return }
            #expect(cameraNodes.map(\.hostPath) == ["/dev/bus/usb/001/007"])
            // The twin on 1-3 may be another 10c4:ea60: it is not given while it cannot be read, 1-2 is.
            let adapters = try Self.resolve(resolver, "usb=10c4:ea60")
            guard case .nodes(let adapterNodes) = adapters else { Issue.record("\(adapters)"); return }
            #expect(adapterNodes.map(\.hostPath) == ["/dev/bus/usb/001/005"])
            guard case .missing = try Self.resolve(resolver, "usb-port=1-9") else { Issue.record("1-9 has no device"); return }
            let failure = #expect(throws: DeviceResolver.Failure.self) { try Self.resolve(resolver, "usb-port=1-3") }
            #expect(failure?.failures.map(\.path) == [tree.root + "/bus/usb/devices/1-3/idVendor"], "\(String(describing: failure))")
        }
    }

    @Test("a failed call is an error with its path and errno")
    func aFailedCallIsAnErrorWithItsErrno() throws {
        try SysfsTree.with { tree throws in
            try tree.file("bus/usb/devices", "not a directory\n")
            let failure = #expect(throws: DeviceResolver.Failure.self) { try Self.resolve(DeviceResolver(sysfs: tree.sysfs), "usb=10c4:ea60") }
            guard case .system(let error) = try #require(failure?.failures.first) else {
                Issue.record("\(String(describing: failure)) is not a failed call")
                return
            }
            #expect(error.errno == ENOTDIR && error.path == tree.root + "/bus/usb/devices")
        }
        try SysfsTree.withUSB { tree throws in
            // A node's uevent gone while its dev is there: the walk of nodes=all fails, naming the file.
            try tree.remove(SysfsTree.bus1 + "/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0/uevent")
            let failure = #expect(throws: DeviceResolver.Failure.self) {
                try Self.resolve(DeviceResolver(sysfs: tree.sysfs), "usb-port=1-2,nodes=all")
            }
            guard case .system(let error) = try #require(failure?.failures.first) else {
                Issue.record("\(String(describing: failure)) is not a failed call")
                return
            }
            #expect(error.errno == ENOENT && error.path.hasSuffix("/ttyUSB0/tty/ttyUSB0/uevent"))
        }
    }
}

extension HostLookup {
    /// What the resolver says of a path that is not a device.
    var resolution: Resolution? {
        switch self {
        case .device: return nil
        case .missing(let why): return .missing(why)
        case .notADevice(let why): return .notADevice(why)
        }
    }
}

@Suite("a USB device pulled out while it is read")
struct USBDeviceGoneTests {
    @Test("its link gone from bus/usb/devices says it was unplugged; a link there does not")
    func goneIsTheLinkGone() throws {
        try SysfsTree.withUSB { tree throws in
            let directory = try FileDescriptor.open(tree.sysfs.usbDevicesPath, flags: O_RDONLY | O_DIRECTORY)
            let (present, absent) = (SysfsRoot.isGone("1-2", in: directory), SysfsRoot.isGone("1-9", in: directory))
            #expect(!present && absent)
        }
    }
}

import Glibc
import PassthroughModel

/// A device as sysfs has it, found by its node's number: what a container
/// is told of it when it is given or taken (`UeventMessage`).
public struct SysfsDevice: Equatable, Sendable {
    /// Its directory below /sys: `DEVPATH` (`/devices/virtual/block/loop7`).
    public var devicePath: String
    /// Its node, as its directory says (name, type, number, subsystem).
    public var node: SysfsNode
    /// Every field of its `uevent` file (`DEVTYPE`, and a USB device's `PRODUCT`, `TYPE`, `BUSNUM`, `DEVNUM`).
    public var fields: [String: String]

    public init(devicePath: String, node: SysfsNode, fields: [String: String]) {
        self.devicePath = devicePath
        self.node = node
        self.fields = fields
    }

    /// The uevent that tells a container of it, at `containerPath` (below /dev) there.
    public func message(_ action: UeventMessage.Action, at containerPath: String) -> UeventMessage {
        UeventMessage(
            action: action, devicePath: devicePath, subsystem: node.subsystem,
            deviceName: containerPath.hasPrefix("/dev/") ? String(containerPath.dropFirst(5)) : containerPath, number: node.number,
            deviceType: fields["DEVTYPE"], more: ["PRODUCT", "TYPE", "BUSNUM", "DEVNUM"].compactMap { key in fields[key].map { .init(key, $0) } })
    }
}

extension SysfsRoot {
    /// The device whose node is `type` `number`, through the kernel's link
    /// in `dev/char` or `dev/block` (`188:0 -> ../../devices/.../ttyUSB0`),
    /// which is followed; nil when there is none. Throws when its files are
    /// not what the kernel writes, or its link leads outside `devices`.
    public func device(_ type: DeviceType, _ number: DeviceNumber) throws(SysfsError) -> SysfsDevice? {
        let directoryPath = path + "/dev/" + (type == .block ? "block" : "char")
        let name = "\(number.major):\(number.minor)"
        let read = try translatingErrors({ () throws(SystemError) -> (link: String, dev: [UInt8], uevent: [UInt8], subsystem: String)? in
            let directory = try FileDescriptor.open(directoryPath, flags: O_RDONLY | O_DIRECTORY)
            guard let device = try directory.openIfPresent(name, flags: O_RDONLY | O_DIRECTORY) else { return nil }
            let link = try directory.linkTarget(name)
            guard let dev = try device.readAttribute("dev"), let uevent = try device.readAttribute("uevent") else {
                throw SystemError(call: "openat", path: device.child("uevent"), errno: ENOENT)
            }
            return (link, dev, uevent, try device.linkTarget("subsystem"))
        }, SysfsError.system)
        guard let read else { return nil }
        let devicePath = directoryPath + "/" + name
        // The kernel's link is relative to dev/char: ../../devices/...
        guard read.link.hasPrefix("../../devices/") else {
            throw .system(SystemError(call: "readlinkat", path: devicePath, errno: EXDEV))
        }
        let node: SysfsNode
        do {
            node = try SysfsNode.parse(directory: "", dev: read.dev, uevent: read.uevent, subsystemLink: read.subsystem)
        } catch {
            throw .node(path: devicePath, error)
        }
        guard node.number == number, node.type == type else { throw .changed(path: devicePath, expected: number, found: node.number) }
        let fields: [String: String]
        do {
            fields = try UeventFile.parse(read.uevent).fields
        } catch {
            throw .node(path: devicePath, .uevent(error))
        }
        return SysfsDevice(devicePath: String(read.link.dropFirst(5)), node: node, fields: fields)
    }
}

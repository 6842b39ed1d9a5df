/// A device node a device makes, as sysfs describes it: a directory below
/// the device's own with a `dev` file (`.../1-2:1.0/ttyUSB0/tty/ttyUSB0`),
/// its `uevent` (for `DEVNAME`) and its `subsystem` link (for the kind). Pure.
public struct SysfsNode: Hashable, Sendable {
    /// Where the node is below /dev (`DEVNAME`: `ttyUSB0`, `bus/usb/001/005`).
    public var name: String
    /// Block for the `block` subsystem (disks and their partitions), character for every other.
    public var type: DeviceType
    public var number: DeviceNumber
    /// The last component of the `subsystem` link: `tty`, `hidraw`,
    /// `video4linux`, `sound`, `input`, `usb`, `block`...
    public var subsystem: String
    /// The directory it was found in, relative to the device's (empty for the device's own node).
    public var directory: String

    public init(name: String, type: DeviceType, number: DeviceNumber, subsystem: String, directory: String) {
        self.name = name
        self.type = type
        self.number = number
        self.subsystem = subsystem
        self.directory = directory
    }

    /// The node's path on the host: `/dev/` and its name.
    public var path: String { "/dev/" + name }

    public enum Failure: Error, Equatable, Sendable {
        case dev(SysfsAttribute.Failure)
        case uevent(UeventFile.Failure)
        /// `dev` and the `uevent` file's `MAJOR` and `MINOR` disagree.
        case numberMismatch(dev: DeviceNumber, uevent: DeviceNumber)
        /// The `subsystem` link's target does not end in a name.
        case invalidSubsystem(String)
    }

    /// The node of the directory `directory`, from its `dev` file, its
    /// `uevent` file and the target of its `subsystem` link (as `readlink`
    /// gives it: `../../../../class/tty`; only its last component is used,
    /// the link is never followed).
    public static func parse(directory: String, dev: some Collection<UInt8>, uevent: some Collection<UInt8>, subsystemLink: String) throws(Failure) -> SysfsNode {
        let number: DeviceNumber
        do {
            number = try SysfsAttribute.deviceNumber(dev, attribute: "dev")
        } catch {
            throw .dev(error)
        }
        let name: String, stated: DeviceNumber
        do {
            let file = try UeventFile.parse(uevent)
            name = try file.deviceName()
            stated = try file.number()
        } catch {
            throw .uevent(error)
        }
        guard stated == number else { throw .numberMismatch(dev: number, uevent: stated) }
        let last = subsystemLink.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).last
        let subsystem = last.map { String(utf8Slice: $0) } ?? ""
        guard !subsystem.isEmpty, subsystem != ".", subsystem != "..", subsystem.utf8.count <= 255,
              subsystem.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7f })
        else { throw .invalidSubsystem(subsystemLink) }
        return SysfsNode(name: name, type: subsystem == "block" ? .block : .character, number: number, subsystem: subsystem, directory: directory)
    }
}

extension SysfsNode.Failure: CustomStringConvertible {
    public var description: String {
        switch self {
        case .dev(let failure): return failure.description
        case .uevent(let failure): return "uevent: \(failure)"
        case .numberMismatch(let dev, let uevent): return "dev says \(dev), uevent says \(uevent)"
        case .invalidSubsystem(let target): return "subsystem: the link's target '\(OctalEscape.escapeForTerminal(target))' names no subsystem"
        }
    }
}

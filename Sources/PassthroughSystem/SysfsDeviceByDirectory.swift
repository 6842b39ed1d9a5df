import Glibc
import PassthroughModel

extension SysfsRoot {
    /// The device whose node's directory is `directory` below the root,
    /// through a USB device's link (`bus/usb/devices/1-2/1-2:1.0/ttyUSB0/tty/ttyUSB0`,
    /// `ResolvedNode.sysfsDirectory`): what a container is told of a USB
    /// entry's node, read where its entry found it rather than through
    /// `dev/char` (which names the same directory on a host). Nil when it is
    /// gone or holds another node now. Its `DEVPATH` is the link's target
    /// from its `devices/` component on (`/devices/pci0000:00/.../1-2`), and
    /// the rest of `directory` after it.
    public func device(inDirectory directory: String, _ type: DeviceType, _ number: DeviceNumber) throws(SysfsError) -> SysfsDevice? {
        let parts = directory.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // bus/usb/devices/PORT[/...]: nothing else is read this way.
        guard parts.count >= 4, parts[0] == "bus", parts[1] == "usb", parts[2] == "devices", USBPort(parts[3]) != nil,
              !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
        else { throw .system(SystemError(call: "openat", path: path + "/" + directory, errno: EINVAL)) }
        let read = try translatingErrors({ () throws(SystemError) -> (link: String, dev: [UInt8], uevent: [UInt8], subsystem: String)? in
            let devices = try FileDescriptor.open(usbDevicesPath, flags: O_RDONLY | O_DIRECTORY)
            // The port's link and what is below it, as the kernel lays them out (root-owned: followed).
            guard let node = try devices.openIfPresent(parts[3...].joined(separator: "/"), flags: O_RDONLY | O_DIRECTORY),
                  let dev = try node.readAttribute("dev"), let uevent = try node.readAttribute("uevent")
            else { return nil }
            let link: String
            do throws(SystemError) {
                link = try devices.linkTarget(parts[3])
            } catch {
                guard error.errno == ENOENT else { throw error }
                return nil  // unplugged since
            }
            return (link, dev, uevent, try node.linkTarget("subsystem"))
        }, SysfsError.system)
        guard let read else { return nil }
        let nodePath = path + "/" + directory
        // The kernel's link: ../../../devices/pci0000:00/...; a stand-in's may be absolute, under another root.
        let linkParts = read.link.split(separator: "/").map(String.init)
        guard let start = linkParts.firstIndex(of: "devices"), start + 1 < linkParts.count else {
            throw .system(SystemError(call: "readlinkat", path: usbDevicesPath + "/" + parts[3], errno: EXDEV))
        }
        let devicePath = (linkParts[start...] + parts.dropFirst(4)).map { "/" + $0 }.joined()
        let node: SysfsNode
        do {
            node = try SysfsNode.parse(directory: "", dev: read.dev, uevent: read.uevent, subsystemLink: read.subsystem)
        } catch {
            throw .node(path: nodePath, error)
        }
        let fields: [String: String]
        do {
            fields = try UeventFile.parse(read.uevent).fields
        } catch {
            throw .node(path: nodePath, .uevent(error))
        }
        guard node.number == number, node.type == type else { return nil }
        return SysfsDevice(devicePath: devicePath, node: node, fields: fields)
    }
}

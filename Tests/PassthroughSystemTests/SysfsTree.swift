import Glibc
import PassthroughModel
import PassthroughSystem

/// A stand-in sysfs in a fresh directory, laid out as the kernel lays out
/// USB devices (`devices/pci.../usbB/PORT`, linked from `bus/usb/devices`),
/// with plain files for attributes. Every step throws on failure: a tree
/// that could not be built fails its test, never reads as an empty one.
final class SysfsTree {
    let root: String
    /// Where bus 1's devices are, relative to the root.
    static let bus1 = "devices/pci0000:00/0000:00:14.0/usb1"
    static let bus2 = "devices/pci0000:00/0000:00:14.0/usb2"

    private init(root: String) {
        self.root = root
    }

    var sysfs: SysfsRoot { SysfsRoot(root) }

    /// Runs `body` with an empty tree, removed with everything in it afterwards.
    static func with(_ body: (SysfsTree) throws -> Void) throws {
        var template = Array("/tmp/sysfs-tree.XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw SystemError(call: "mkdtemp", path: "/tmp/sysfs-tree.XXXXXX", errno: errno)
        }
        let tree = SysfsTree(root: String(cString: made))
        defer { _ = system("rm -rf '\(tree.root)'") }
        try body(tree)
    }

    /// Runs `body` with the realistic tree `buildUSB` makes.
    static func withUSB(_ body: (SysfsTree) throws -> Void) throws {
        try with { tree in
            try tree.buildUSB()
            try body(tree)
        }
    }

    /// `mkdir -p ROOT/relative`.
    func directory(_ relative: String) throws {
        var path = root
        for component in relative.split(separator: "/") {
            path += "/" + component
            do {
                try FileSystem.makeDirectory(path, mode: 0o755)
            } catch {
                guard error.errno == EEXIST, try FileSystem.status(path).st_mode & S_IFMT == S_IFDIR else { throw error }
            }
        }
    }

    /// Writes `text` to ROOT/relative (made or replaced), its directory made first.
    func file(_ relative: String, _ text: String) throws {
        if let slash = relative.lastIndex(of: "/") { try directory(String(relative[..<slash])) }
        let file = try FileDescriptor.open(root + "/" + relative, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        try file.writeAll(Array(text.utf8))
    }

    /// Removes the file ROOT/relative.
    func remove(_ relative: String) throws {
        try FileSystem.removeFile(root + "/" + relative)
    }

    /// A symlink at ROOT/relative to ROOT/target, relative as the kernel makes them (`../../class/tty`).
    func link(_ relative: String, to target: String) throws {
        let depth = relative.split(separator: "/").count - 1
        let text = String(repeating: "../", count: depth) + target
        if let slash = relative.lastIndex(of: "/") { try directory(String(relative[..<slash])) }
        guard symlink(text, root + "/" + relative) == 0 else { throw SystemError(call: "symlink", path: root + "/" + relative, errno: errno) }
    }

    /// A USB device's directory at `path` (below `devices/`), its attributes,
    /// its own node's files, the kernel's links out of it (`subsystem`,
    /// `driver`) and its link in `bus/usb/devices`.
    func usbDevice(_ path: String, vendor: String, product: String, serial: String?, bus: Int, address: Int) throws {
        let name = String(path.split(separator: "/").last!)
        let minor = (bus - 1) * 128 + (address - 1)
        try file(path + "/idVendor", vendor + "\n")
        try file(path + "/idProduct", product + "\n")
        if let serial { try file(path + "/serial", serial + "\n") }
        try file(path + "/busnum", "\(bus)\n")
        try file(path + "/devnum", "\(address)\n")
        try file(path + "/dev", "189:\(minor)\n")
        let node = format3(bus) + "/" + format3(address)
        try file(path + "/uevent", "MAJOR=189\nMINOR=\(minor)\nDEVNAME=bus/usb/\(node)\nDEVTYPE=usb_device\nDRIVER=usb\nPRODUCT=\(vendor)/\(product)/100\nBUSNUM=\(format3(bus))\nDEVNUM=\(format3(address))\n")
        try file(path + "/power/control", "on\n")
        try link(path + "/subsystem", to: "bus/usb")
        try link(path + "/driver", to: "bus/usb/drivers/usb")
        try link("bus/usb/devices/" + name, to: path)
    }

    /// A USB interface's directory (no node of its own) and its link in `bus/usb/devices`.
    func usbInterface(_ path: String, driver: String) throws {
        try file(path + "/bInterfaceNumber", "00\n")
        try file(path + "/uevent", "DEVTYPE=usb_interface\nDRIVER=\(driver)\n")
        try link(path + "/subsystem", to: "bus/usb")
        try link(path + "/driver", to: "bus/usb/drivers/\(driver)")
        try link("bus/usb/devices/" + path.split(separator: "/").last!, to: path)
    }

    /// A directory with a node: `dev`, `uevent`, and its `subsystem` link into `class/`.
    func node(_ path: String, dev: String, name: String, subsystem: String) throws {
        let (major, minor) = (dev.split(separator: ":")[0], dev.split(separator: ":")[1])
        try file(path + "/dev", dev + "\n")
        try file(path + "/uevent", "MAJOR=\(major)\nMINOR=\(minor)\nDEVNAME=\(name)\n")
        try file(path + "/power/async", "disabled\n")
        try link(path + "/subsystem", to: "class/\(subsystem)")
    }

    private func format3(_ number: Int) -> String {
        let digits = String(number)
        return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
    }

    /// Bus 1: a CP210x on 1-2 (serial 0001) and an identical one on 1-3
    /// (serial 0002); a webcam on 1-4 (video, sound, hidraw); a hub on 1-1
    /// with an FTDI adapter on its port 2 (1-1.2); a USB stick on 1-5 (a
    /// disk, a partition, a bsg node). Bus 2: a Coral on 2-1 (1a6e:089a).
    /// `class/tty` and `class/block` hold other nodes (`ttyS0`, `sda`), which
    /// the links out of the devices' directories lead to.
    func buildUSB() throws {
        let bus1 = SysfsTree.bus1, bus2 = SysfsTree.bus2
        // The root hubs (`bus/usb/devices/usb1`), with nodes of their own: passed over.
        try usbDevice(bus1, vendor: "1d6b", product: "0002", serial: "0000:00:14.0", bus: 1, address: 1)
        try usbDevice(bus2, vendor: "1d6b", product: "0003", serial: "0000:00:14.0", bus: 2, address: 1)

        // Other nodes, outside every device's subtree.
        try node("devices/platform/serial8250/tty/ttyS0", dev: "4:64", name: "ttyS0", subsystem: "tty")
        try link("class/tty/ttyS0", to: "devices/platform/serial8250/tty/ttyS0")
        try node("devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda", dev: "8:0", name: "sda", subsystem: "block")
        try link("class/block/sda", to: "devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda")

        for (port, serial, address, tty) in [("1-2", "0001", 5, 0), ("1-3", "0002", 6, 1)] {
            try usbDevice("\(bus1)/\(port)", vendor: "10c4", product: "ea60", serial: serial, bus: 1, address: address)
            try usbInterface("\(bus1)/\(port)/\(port):1.0", driver: "cp210x")
            try file("\(bus1)/\(port)/\(port):1.0/ttyUSB\(tty)/uevent", "DRIVER=cp210x\n")
            let ttyNode = "\(bus1)/\(port)/\(port):1.0/ttyUSB\(tty)/tty/ttyUSB\(tty)"
            try node(ttyNode, dev: "188:\(tty)", name: "ttyUSB\(tty)", subsystem: "tty")
            // The kernel's `device` link leads back up: a loop, were it followed.
            try link(ttyNode + "/device", to: "\(bus1)/\(port)/\(port):1.0/ttyUSB\(tty)")
            try link("class/tty/ttyUSB\(tty)", to: ttyNode)
        }

        let camera = "\(bus1)/1-4"
        try usbDevice(camera, vendor: "046d", product: "0825", serial: "ABCD1234", bus: 1, address: 7)
        try usbInterface("\(camera)/1-4:1.0", driver: "uvcvideo")
        try node("\(camera)/1-4:1.0/video4linux/video0", dev: "81:0", name: "video0", subsystem: "video4linux")
        try node("\(camera)/1-4:1.0/media0", dev: "236:0", name: "media0", subsystem: "media")
        try usbInterface("\(camera)/1-4:1.2", driver: "snd-usb-audio")
        try file("\(camera)/1-4:1.2/sound/card1/uevent", "SOUND_INITIALIZED=1\n")
        try link("\(camera)/1-4:1.2/sound/card1/subsystem", to: "class/sound")
        try node("\(camera)/1-4:1.2/sound/card1/controlC1", dev: "116:10", name: "snd/controlC1", subsystem: "sound")
        try node("\(camera)/1-4:1.2/sound/card1/pcmC1D0c", dev: "116:11", name: "snd/pcmC1D0c", subsystem: "sound")
        try usbInterface("\(camera)/1-4:1.3", driver: "usbhid")
        try file("\(camera)/1-4:1.3/0003:046D:0825.0001/uevent", "HID_ID=0003:0000046D:00000825\nHID_NAME=UVC Camera (046d:0825)\n")
        try node("\(camera)/1-4:1.3/0003:046D:0825.0001/hidraw/hidraw0", dev: "241:0", name: "hidraw0", subsystem: "hidraw")
        try node("\(camera)/1-4:1.3/0003:046D:0825.0001/input/input5/event3", dev: "13:67", name: "input/event3", subsystem: "input")

        let hub = "\(bus1)/1-1"
        try usbDevice(hub, vendor: "05e3", product: "0608", serial: nil, bus: 1, address: 2)
        try usbInterface("\(hub)/1-1:1.0", driver: "hub")
        try file("\(hub)/1-1:1.0/1-1-port2/connect_type", "hotplug\n")
        try link("\(hub)/1-1:1.0/1-1-port2/device", to: "\(hub)/1-1.2")
        // As the kernel lays out a hub: the devices on its ports are below the hub's own directory.
        try usbDevice("\(hub)/1-1.2", vendor: "0403", product: "6001", serial: "A50285BI", bus: 1, address: 3)
        try usbInterface("\(hub)/1-1.2/1-1.2:1.0", driver: "ftdi_sio")
        try node("\(hub)/1-1.2/1-1.2:1.0/ttyUSB2/tty/ttyUSB2", dev: "188:2", name: "ttyUSB2", subsystem: "tty")
        try link("\(hub)/1-1.2/port", to: "\(hub)/1-1:1.0/1-1-port2")

        let stick = "\(bus1)/1-5"
        try usbDevice(stick, vendor: "0781", product: "5567", serial: "4C530001", bus: 1, address: 8)
        try usbInterface("\(stick)/1-5:1.0", driver: "usb-storage")
        let scsi = "\(stick)/1-5:1.0/host6/target6:0:0/6:0:0:0"
        try file("\(scsi)/uevent", "DEVTYPE=scsi_device\nDRIVER=sd\n")
        try node("\(scsi)/block/sdb", dev: "8:16", name: "sdb", subsystem: "block")
        try node("\(scsi)/block/sdb/sdb1", dev: "8:17", name: "sdb1", subsystem: "block")
        try node("\(scsi)/bsg/6:0:0:0", dev: "247:0", name: "bsg/6:0:0:0", subsystem: "bsg")
        // A link out of the subtree to a directory with another disk in it.
        try link("\(scsi)/block/sdb/holders-elsewhere", to: "class/block")

        try usbDevice("\(bus2)/2-1", vendor: "1a6e", product: "089a", serial: nil, bus: 2, address: 2)
        try usbInterface("\(bus2)/2-1/2-1:1.0", driver: "apex")
    }
}

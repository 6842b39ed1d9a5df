import Glibc
import PassthroughModel
import PassthroughSystem

/// A stand-in sysfs below a scratch directory with the USB devices the
/// pre-start tests select, laid out as the kernel lays them out
/// (`devices/.../usb1/1-2`, linked from `bus/usb/devices`). Each step throws
/// on failure: a tree that could not be built fails its test.
struct StandInSysfs {
    let root: String
    static let bus1 = "devices/pci0000:00/0000:00:14.0/usb1"

    var sysfs: SysfsRoot { SysfsRoot(root) }

    init(_ scratch: RootScratch) throws {
        root = try scratch.makeDirectory("sys")
    }

    func file(_ relative: String, _ text: String) throws {
        let parts = relative.split(separator: "/")
        var directory = root
        for part in parts.dropLast() {
            directory += "/" + part
            if mkdir(directory, 0o755) != 0 && errno != EEXIST { throw SystemError(call: "mkdir", path: directory, errno: errno) }
        }
        try RootFixture.writeFile(root + "/" + relative, text)
    }

    /// A link at `relative` to `target` (both relative to the root), relative as the kernel makes them.
    func link(_ relative: String, to target: String) throws {
        try file(relative + ".made", "")
        _ = unlink(root + "/" + relative + ".made")
        let text = String(repeating: "../", count: relative.split(separator: "/").count - 1) + target
        guard symlink(text, root + "/" + relative) == 0 else { throw SystemError(call: "symlink", path: root + "/" + relative, errno: errno) }
    }

    /// A USB device at `port` on bus 1 with address `address`, and its own node's files.
    func device(_ port: String, vendor: String, product: String, serial: String?, address: Int) throws -> String {
        let path = StandInSysfs.bus1 + "/" + port
        let minor = address - 1
        try file(path + "/idVendor", vendor + "\n")
        try file(path + "/idProduct", product + "\n")
        if let serial { try file(path + "/serial", serial + "\n") }
        try file(path + "/busnum", "1\n")
        try file(path + "/devnum", "\(address)\n")
        try file(path + "/dev", "189:\(minor)\n")
        let name = "bus/usb/001/" + String(repeating: "0", count: 3 - String(address).count) + String(address)
        try file(path + "/uevent", "MAJOR=189\nMINOR=\(minor)\nDEVNAME=\(name)\nDEVTYPE=usb_device\n")
        try link(path + "/subsystem", to: "bus/usb")
        try link("bus/usb/devices/" + port, to: path)
        return path
    }

    /// A node below a device: `dev`, `uevent` and the `subsystem` link.
    func node(_ path: String, dev: String, name: String, subsystem: String) throws {
        let number = dev.split(separator: ":")
        try file(path + "/dev", dev + "\n")
        try file(path + "/uevent", "MAJOR=\(number[0])\nMINOR=\(number[1])\nDEVNAME=\(name)\n")
        try link(path + "/subsystem", to: "class/\(subsystem)")
    }
}

import Foundation
import Glibc

/// A stand-in for the host's USB devices in sysfs, for a machine with no USB
/// (`CONFIG_USB` not set: no `/sys/bus/usb`). The device directories are
/// built under /tmp, laid out as the kernel lays them out; the commands that
/// are to see them (`lxc-start`, whose monitor runs the installed hooks, and
/// `lxc-passthrough`, its watcher too) run in a mount namespace of their
/// own, where the root's `bus` is bound on /sys/bus: `usb/devices/PORT`, each
/// a link to its device's directory. Devices plugged and unplugged after
/// (`device`, `unplug`) are seen there at once. The hooks read it through their real code path, at `/sys`:
/// nothing in the product knows it is a stand-in. The host's own mount table
/// is never touched (the namespace is private; it ends with the monitor).
final class USBStandIn {
    let root: String
    static let bus1 = "devices/pci0000:00/0000:00:14.0/usb1"

    init() throws {
        root = "/tmp/lxcpt-e2e-sysfs-\(UInt32.random(in: 0...0xffffff))"
        try FileManager.default.createDirectory(atPath: root + "/bus/usb/devices", withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    private func file(_ relative: String, _ text: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: false, encoding: .utf8)
    }

    private func link(_ relative: String, to target: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
    }

    /// A USB device on bus 1 at `port` with `address`, its own node's files,
    /// and its link in `bus/usb/devices` (absolute: the root's `bus` is bound
    /// on /sys/bus, where a relative link would lead into the host's sysfs);
    /// returns its directory (relative to the root).
    @discardableResult
    func device(_ port: String, vendor: String, product: String, serial: String?, address: Int) throws -> String {
        let path = USBStandIn.bus1 + "/" + port
        let minor = address - 1
        try file(path + "/idVendor", vendor + "\n")
        try file(path + "/idProduct", product + "\n")
        if let serial { try file(path + "/serial", serial + "\n") }
        try file(path + "/busnum", "1\n")
        try file(path + "/devnum", "\(address)\n")
        try file(path + "/dev", "189:\(minor)\n")
        let name = "bus/usb/001/" + String(repeating: "0", count: 3 - String(address).count) + String(address)
        let number = String(repeating: "0", count: 3 - String(address).count) + String(address)
        // As the kernel writes it (usb_dev_uevent): what a container is told of the device comes from here.
        try file(path + "/uevent", "MAJOR=189\nMINOR=\(minor)\nDEVNAME=\(name)\nDEVTYPE=usb_device\nDRIVER=usb\n"
            + "PRODUCT=\(USBStandIn.trimmed(vendor))/\(USBStandIn.trimmed(product))/100\nTYPE=0/0/0\nBUSNUM=001\nDEVNUM=\(number)\n")
        try link(path + "/subsystem", to: "../../../../../bus/usb")
        try link("bus/usb/devices/" + port, to: root + "/" + path)
        return path
    }

    /// A hexadecimal id as the kernel prints it in PRODUCT (`%x`: no leading zeros).
    static func trimmed(_ hex: String) -> String { String(UInt16(hex, radix: 16) ?? 0, radix: 16) }

    /// The device at `port` pulled out: its link and its directory gone.
    func unplug(_ port: String) throws {
        try FileManager.default.removeItem(atPath: root + "/bus/usb/devices/" + port)
        try FileManager.default.removeItem(atPath: root + "/" + USBStandIn.bus1 + "/" + port)
    }

    /// A directory below the root (an interface, with its nodes) taken away.
    func removeDirectory(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: root + "/" + relative)
    }

    /// A node below a device (`dev`, `uevent`, `subsystem`).
    func node(_ path: String, major: Int, minor: Int, name: String, subsystem: String) throws {
        try file(path + "/dev", "\(major):\(minor)\n")
        try file(path + "/uevent", "MAJOR=\(major)\nMINOR=\(minor)\nDEVNAME=\(name)\n")
        try link(path + "/subsystem", to: "../../../../class/\(subsystem)")
    }

    /// `arguments` run in a mount namespace of their own that has this stand-in at /sys/bus/usb.
    func running(_ arguments: [String]) -> CommandResult {
        run(inNamespace(arguments))
    }

    /// The command line that runs `arguments` in such a namespace (the same process: `exec` all the way).
    func inNamespace(_ arguments: [String]) -> [String] {
        // /sys/bus/usb cannot be made in sysfs: the root's bus is bound on /sys/bus (the other buses are not
        // looked at by LXC, the hooks or the watcher).
        let script = "set -e; mount --bind '\(root)/bus' /sys/bus; exec \"$@\""
        return ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"] + arguments
    }

    /// `lxc-start -d` of `container` in such a namespace; waits until RUNNING.
    func start(_ container: Container) -> CommandResult {
        try? FileManager.default.removeItem(atPath: container.logPath)
        let result = running(["lxc-start", "-n", container.name, "-d", "-o", container.logPath, "-l", "DEBUG"])
        if result.succeeded { _ = run(["lxc-wait", "-n", container.name, "-s", "RUNNING", "-t", "10"]) }
        return result
    }
}

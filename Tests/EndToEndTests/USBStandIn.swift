import Foundation
import Glibc

/// A stand-in for the host's USB devices in sysfs, for a machine with no USB
/// (`CONFIG_USB` not set: no `/sys/bus/usb`). The device directories are
/// built under /tmp, laid out as the kernel lays them out; the commands that
/// are to see them (`lxc-start`, whose monitor runs the installed hooks, and
/// `lxc-passthrough`) run in a mount namespace of their own, where a tmpfs
/// on /sys/bus holds `usb/devices/PORT`, each a link to its device's
/// directory. The hooks read it through their real code path, at `/sys`:
/// nothing in the product knows it is a stand-in. The host's own mount table
/// is never touched (the namespace is private; it ends with the monitor).
final class USBStandIn {
    let root: String
    static let bus1 = "devices/pci0000:00/0000:00:14.0/usb1"
    private var ports: [String] = []

    init() throws {
        root = "/tmp/lxcpt-e2e-sysfs-\(UInt32.random(in: 0...0xffffff))"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
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

    /// A USB device on bus 1 at `port` with `address`, its own node's files;
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
        try file(path + "/uevent", "MAJOR=189\nMINOR=\(minor)\nDEVNAME=\(name)\nDEVTYPE=usb_device\n")
        try link(path + "/subsystem", to: "../../../../../bus/usb")
        ports.append(port)
        return path
    }

    /// A node below a device (`dev`, `uevent`, `subsystem`).
    func node(_ path: String, major: Int, minor: Int, name: String, subsystem: String) throws {
        try file(path + "/dev", "\(major):\(minor)\n")
        try file(path + "/uevent", "MAJOR=\(major)\nMINOR=\(minor)\nDEVNAME=\(name)\n")
        try link(path + "/subsystem", to: "../../../../class/\(subsystem)")
    }

    /// `arguments` run in a mount namespace of their own that has this stand-in at /sys/bus/usb.
    func running(_ arguments: [String]) -> CommandResult {
        // /sys/bus/usb cannot be made in sysfs: a tmpfs on /sys/bus holds it (the other buses are not
        // looked at by LXC or the hooks). Each port's link is absolute, to its directory under the root.
        var script = "set -e; mount -t tmpfs -o mode=0755 lxcpt-e2e-sysfs /sys/bus; mkdir -p /sys/bus/usb/devices; "
        for port in ports { script += "ln -s '\(root)/\(USBStandIn.bus1)/\(port)' /sys/bus/usb/devices/\(port); " }
        script += "exec \"$@\""
        return run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"] + arguments)
    }

    /// `lxc-start -d` of `container` in such a namespace; waits until RUNNING.
    func start(_ container: Container) -> CommandResult {
        try? FileManager.default.removeItem(atPath: container.logPath)
        let result = running(["lxc-start", "-n", container.name, "-d", "-o", container.logPath, "-l", "DEBUG"])
        if result.succeeded { _ = run(["lxc-wait", "-n", container.name, "-s", "RUNNING", "-t", "10"]) }
        return result
    }
}

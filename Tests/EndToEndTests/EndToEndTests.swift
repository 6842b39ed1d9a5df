import Foundation
import Testing

/// What `stat -c '%F %t:%T %a %u:%g'` prints for a device in the container.
func expected(_ type: String, _ major: Int, _ minor: Int, mode: String, uid: Int, gid: Int) -> String {
    "\(type) \(String(major, radix: 16)):\(String(minor, radix: 16)) \(mode) \(uid):\(gid)"
}

func withContainer(
    _ label: String, unprivileged: Bool, include: Bool = true, firstLines: [String] = [], lxcPath: String? = nil, _ body: (Container) throws -> Void
) throws {
    let container = try Container(label, unprivileged: unprivileged, include: include, firstLines: firstLines, lxcPath: lxcPath)
    defer { container.destroy() }
    try body(container)
}

func withHostDevices(_ body: (HostDevices) throws -> Void) throws {
    let devices = try HostDevices()
    defer { devices.remove() }
    try body(devices)
}

/// Every end-to-end test runs alone: they share the host's /dev, /etc/pve and mount table.
@Suite("End-to-end on real LXC containers", .serialized)
enum EndToEndTests {}

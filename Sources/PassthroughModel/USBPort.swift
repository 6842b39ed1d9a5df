/// Where a USB device is plugged in, as the kernel names its sysfs directory:
/// the bus number, `-`, and the port numbers from the root hub down, joined
/// by `.` (`1-2`: root port 2 of bus 1; `1-2.3`: port 3 of the hub there).
/// It stays the same across replugs into the same socket, where `devnum` does not.
///
/// Only USB devices have such names: an interface (`1-2:1.0`) and a root hub
/// (`usb1`, the host controller itself, whose subtree holds every device of
/// its bus) are not ports and are refused.
public struct USBPort: Hashable, Sendable, CustomStringConvertible {
    /// The name as the kernel writes it (`1-2.3`).
    public let name: String
    /// The bus number (`busnum` of every device on that bus).
    public let bus: UInt32
    /// The port numbers from the root hub down (`[2, 3]`).
    public let ports: [UInt8]

    /// USB allows five hubs between the root hub and a device, so a path has
    /// at most six ports (the kernel refuses a hub nested deeper, MAX_TOPO_LEVEL).
    public static let maximumDepth = 6

    /// Nil unless `name` is a port name: decimal numbers without leading
    /// zeros, the bus at least 1, each port from 1 to 255.
    public init?(_ name: String) {
        let bytes = Array(name.utf8)
        guard bytes.count <= 64, let dash = bytes.firstIndex(of: UInt8(ascii: "-")),
              let bus = SysfsAttribute.strictDecimal(bytes[..<dash]), bus >= 1
        else { return nil }
        var ports: [UInt8] = []
        for piece in bytes[(dash + 1)...].pieces(separatedBy: UInt8(ascii: ".")) {
            guard let port = SysfsAttribute.strictDecimal(piece), (1...255).contains(port) else { return nil }
            ports.append(UInt8(port))
        }
        guard ports.count <= USBPort.maximumDepth else { return nil }
        self.name = name
        self.bus = bus
        self.ports = ports
    }

    public var description: String { name }
}

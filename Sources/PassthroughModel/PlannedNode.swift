/// One node pre-start gives: of which entry (its name says which of the
/// entry's nodes it is), the device it is, where it goes in the container,
/// and its host owner and mode. A path entry has one; a USB entry one for
/// each node the resolver found.
public struct PlannedNode: Equatable, Sendable {
    public var name: NodeName
    /// `dev3 (/dev/ttyUSB0)`, `dev3 (usb 1a6e:089a port 1-2)`: the entry's, for messages.
    public var label: String
    public var containerPath: String
    public var type: DeviceType
    public var number: DeviceNumber
    public var hostUID: UInt32
    public var hostGID: UInt32
    /// The node's permission bits.
    public var mode: UInt32
    /// `deny-write`: the device's rule allows reading only.
    public var readOnly: Bool
    /// Whether the node is one a USB entry's selector found (whose label does not say which node it is).
    public var isFound: Bool

    public init(
        name: NodeName, label: String, containerPath: String, type: DeviceType, number: DeviceNumber, hostUID: UInt32, hostGID: UInt32,
        mode: UInt32, readOnly: Bool, isFound: Bool = false
    ) {
        self.isFound = isFound
        self.name = name
        self.label = label
        self.containerPath = containerPath
        self.type = type
        self.number = number
        self.hostUID = hostUID
        self.hostGID = hostGID
        self.mode = mode
        self.readOnly = readOnly
    }

    public var key: DeviceKey { name.key }
    public var device: HostDevice { HostDevice(type: type, number: number) }

    /// A message about this node after its label: for a node a USB entry
    /// found, which one it is (`/dev/ttyUSB0: ...`); for a path entry's, as it is.
    public func about(_ message: String) -> String {
        isFound ? "\(OctalEscape.escapeForTerminal(containerPath)): \(message)" : message
    }
}

extension RequestedDevice {
    /// The entry's `index`-th node, the device the resolver found at `resolved`.
    public func node(_ resolved: ResolvedNode, index: Int) -> PlannedNode {
        PlannedNode(
            name: NodeName(key, index: index), label: label, containerPath: resolved.containerPath, type: resolved.type, number: resolved.number,
            hostUID: hostUID, hostGID: hostGID, mode: mode, readOnly: spec.denyWrite, isFound: spec.path == nil)
    }
}

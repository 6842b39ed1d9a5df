/// The steps pre-start takes, derived from the devices and what the host has. Pure.
public struct PrestartPlan: Equatable, Sendable {
    public enum Action: Equatable, Sendable {
        /// Make a fresh tmpfs (`key=value` options, comma-separated), filled
        /// by the actions after it, then mounted on the passthrough directory.
        case mountTmpfs(options: String)
        /// mknod the file of that name with the host device's type and number.
        case makeNode(NodeName, DeviceType, DeviceNumber)
        case setOwner(NodeName, uid: UInt32, gid: UInt32)
        case setMode(NodeName, UInt32)
        /// An empty file, owned by the container's root, for autodev's error message.
        case makeAutodevErrorFile(uid: UInt32, gid: UInt32)
        case writeList(String)
    }

    /// Room for 256 entries with 255-byte paths even when every byte is
    /// escaped; a root others may pass through but not list (the container's
    /// root opens the files it needs by name).
    public static let tmpfsOptions = "size=1m,nr_inodes=1024,mode=0711"

    public var actions: [Action]

    /// The device (`dev3 (/dev/ttyUSB0)`) each action is for, for messages.
    public var labels: [NodeName: String]

    /// - Parameter containerRoot: host ids of the container's root (0:0 when privileged).
    public init(nodes: [PlannedNode], containerRoot: (uid: UInt32, gid: UInt32) = (0, 0)) {
        guard !nodes.isEmpty else { actions = []; labels = [:]; return }
        // Sized once: growing them by doubling, and rehashing the labels, cost each start more as devices were added.
        // (A dictionary by `init(minimumCapacity:)`: its `reserveCapacity` is not specialized, about 9,500 instructions a call.)
        var actions: [Action] = [.mountTmpfs(options: PrestartPlan.tmpfsOptions)]
        actions.reserveCapacity(3 * nodes.count + 3)
        var items: [DeviceList.Item] = []
        items.reserveCapacity(nodes.count)
        var labels = [NodeName: String](minimumCapacity: nodes.count)
        for node in nodes {
            actions.append(.makeNode(node.name, node.type, node.number))
            actions.append(.setOwner(node.name, uid: node.hostUID, gid: node.hostGID))
            actions.append(.setMode(node.name, node.mode))
            items.append(DeviceList.Item(name: node.name, type: node.type, number: node.number, path: node.containerPath))
            labels[node.name] = node.label
        }
        actions.append(.makeAutodevErrorFile(uid: containerRoot.uid, gid: containerRoot.gid))
        actions.append(.writeList(DeviceList(items).encoded()))
        self.actions = actions
        self.labels = labels
    }
}

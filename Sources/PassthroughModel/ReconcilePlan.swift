/// What a running container must give up and be given so that, for each of
/// its entries, it has the nodes the entry names on the host now (the device
/// at its path; the nodes of the USB devices its selector matches) and
/// nothing else: what `lxc-passthrough watch` does after a device comes, goes
/// or gets another number. Pure.
///
/// Decided from the host's own knowledge only: the entries of the config,
/// what the host's record says the container was given, and what each entry
/// names on the host now (`stat` of a path, sysfs for a USB selector). A grant no entry names (`attach --temporary`, or an
/// entry removed since) is left as it is, and so is an entry withheld from
/// this run (`detach --temporary`). A node left in the container after its
/// access was taken back (`GrantRecord.left`) blocks giving a device at its
/// path or of its number: its removal is tried again instead.
public struct ReconcilePlan: Equatable, Sendable {
    /// One entry as the config has it, and the nodes it names on the host now.
    public struct Entry: Equatable, Sendable {
        public var key: DeviceKey
        public var spec: DeviceSpec
        /// For a path entry, its one node at its container path; for a USB
        /// entry, the nodes of every device its selector matches in sysfs
        /// now (`DeviceResolver`), each at its udev path. Empty: nothing now.
        public var nodes: [ResolvedNode]

        public init(key: DeviceKey, spec: DeviceSpec, nodes: [ResolvedNode]) {
            self.key = key
            self.spec = spec
            self.nodes = nodes
        }

        /// A path entry, with what its path is on the host now.
        public init(key: DeviceKey, spec: DeviceSpec, host: HostLookup) {
            var nodes: [ResolvedNode] = []
            if case .device(let device) = host, let path = spec.path, let containerPath = spec.containerPath {
                nodes = [ResolvedNode(hostPath: path, containerPath: containerPath, type: device.type, number: device.number)]
            }
            self.init(key: key, spec: spec, nodes: nodes)
        }
    }

    /// One node to give: the entry it is for, and the node on the host.
    public struct Give: Equatable, Sendable {
        public var entry: Entry
        public var node: ResolvedNode
        /// Where it goes in the container.
        public var containerPath: String { node.containerPath }
        public var device: HostDevice { node.device }
    }

    /// Why a grant is taken back.
    public enum Reason: Equatable, Sendable {
        /// Its entry names no device at its path any more (a path gone, a USB device unplugged or no longer matching).
        case gone
        /// Its entry's path names another device now, or the entry changed.
        case replaced
    }

    /// Indices into the record's grants, highest first (each taken back in
    /// turn leaves the indices before it as they were).
    public var takeBack: [(index: Int, reason: Reason)]
    /// Nodes the container is to be given, in key order (a USB entry's in the order they were found).
    public var give: [Give]
    /// Indices into the record's left nodes whose removal is to be tried
    /// again, highest first: each blocks an entry whose device is there.
    public var removeLeft: [Int]

    public var isEmpty: Bool { takeBack.isEmpty && give.isEmpty && removeLeft.isEmpty }

    public static func == (lhs: ReconcilePlan, rhs: ReconcilePlan) -> Bool {
        lhs.takeBack.map(\.index) == rhs.takeBack.map(\.index) && lhs.takeBack.map(\.reason) == rhs.takeBack.map(\.reason)
            && lhs.give == rhs.give && lhs.removeLeft == rhs.removeLeft
    }

    /// A grant is kept when its entry names, now, a node at its container
    /// path with its type, number and access; one grant per entry and path.
    /// Every other grant of an entry is taken back: a USB device unplugged,
    /// replugged at a new address (its `/dev/bus/usb/BBB/DDD` is another
    /// path), no longer matching (its ids, serial or port are not the
    /// selector's), or one of its interfaces gone.
    public init(entries: [Entry], grants: [GrantRecord.Grant], withheld: [GrantRecord.Withheld] = [], left: [GrantRecord.Grant] = []) {
        var takeBack: [(index: Int, reason: Reason)] = []
        var give: [Give] = []
        let byKey = Dictionary(entries.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var satisfied = Set<Satisfied>()
        for (index, grant) in grants.enumerated() {
            guard let key = grant.key, let entry = byKey[key] else { continue }
            let now = entry.nodes.first { $0.containerPath == grant.containerPath }
            if let now, ReconcilePlan.matches(grant, entry.spec, now),
               satisfied.insert(Satisfied(key: key, containerPath: grant.containerPath)).inserted {
                continue
            }
            // A path entry has one path: any device it names now replaces the grant's.
            let replaced = now != nil || (entry.spec.path != nil && !entry.nodes.isEmpty)
            takeBack.append((index, replaced ? .replaced : .gone))
        }
        // Container paths that stay taken: a grant kept, of an entry or of none.
        let takenBack = Set(takeBack.map(\.index))
        var occupied = Set(grants.indices.filter { !takenBack.contains($0) }.map { grants[$0].containerPath })
        let isWithheld = { (entry: Entry) in withheld.contains { $0.key == entry.key && $0.path == entry.spec.selector.description } }
        var removeLeft = Set<Int>()
        for entry in entries.sorted(by: { $0.key.index < $1.key.index }) where !isWithheld(entry) {
            for node in entry.nodes where !satisfied.contains(Satisfied(key: entry.key, containerPath: node.containerPath)) {
                guard !occupied.contains(node.containerPath) else { continue }
                let blocking = left.indices.filter {
                    left[$0].containerPath == node.containerPath || (left[$0].type == node.type && left[$0].number == node.number)
                }
                guard blocking.isEmpty else {
                    removeLeft.formUnion(blocking)
                    continue
                }
                occupied.insert(node.containerPath)
                give.append(Give(entry: entry, node: node))
            }
        }
        self.takeBack = takeBack.sorted { $0.index > $1.index }
        self.give = give
        self.removeLeft = removeLeft.sorted(by: >)
    }

    /// An entry's node at one container path, given and kept.
    private struct Satisfied: Hashable {
        var key: DeviceKey
        var containerPath: String
    }

    /// Whether a grant is the node the entry names now at its path.
    static func matches(_ grant: GrantRecord.Grant, _ spec: DeviceSpec, _ node: ResolvedNode) -> Bool {
        grant.type == node.type && grant.number == node.number && grant.containerPath == node.containerPath && grant.readOnly == spec.denyWrite
    }
}

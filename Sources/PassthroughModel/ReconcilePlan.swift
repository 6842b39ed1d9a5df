/// What a running container must give up and be given so that, for each of
/// its entries, it has the device the entry's path names on the host now and
/// nothing else: what `lxc-passthrough watch` does after a device comes, goes
/// or gets another number. Pure.
///
/// Decided from the host's own knowledge only: the entries of the config,
/// what the host's record says the container was given, and what each path
/// is on the host now. A grant no entry names (`attach --temporary`, or an
/// entry removed since) is left as it is, and so is an entry withheld from
/// this run (`detach --temporary`). A node left in the container after its
/// access was taken back (`GrantRecord.left`) blocks giving a device at its
/// path or of its number: its removal is tried again instead.
public struct ReconcilePlan: Equatable, Sendable {
    /// One entry as the config has it, and what its path is on the host now.
    public struct Entry: Equatable, Sendable {
        public var key: DeviceKey
        public var spec: DeviceSpec
        public var host: HostLookup

        public init(key: DeviceKey, spec: DeviceSpec, host: HostLookup) {
            self.key = key
            self.spec = spec
            self.host = host
        }
    }

    /// Why a grant is taken back.
    public enum Reason: Equatable, Sendable {
        /// Its entry's path names no device on the host any more.
        case gone
        /// Its entry's path names another device now, or the entry changed.
        case replaced
    }

    /// Indices into the record's grants, highest first (each taken back in
    /// turn leaves the indices before it as they were).
    public var takeBack: [(index: Int, reason: Reason)]
    /// Entries whose device the container is to be given, in key order.
    public var give: [(entry: Entry, device: HostDevice)]
    /// Indices into the record's left nodes whose removal is to be tried
    /// again, highest first: each blocks an entry whose device is there.
    public var removeLeft: [Int]

    public var isEmpty: Bool { takeBack.isEmpty && give.isEmpty && removeLeft.isEmpty }

    public static func == (lhs: ReconcilePlan, rhs: ReconcilePlan) -> Bool {
        lhs.takeBack.map(\.index) == rhs.takeBack.map(\.index) && lhs.takeBack.map(\.reason) == rhs.takeBack.map(\.reason)
            && lhs.give.map(\.entry) == rhs.give.map(\.entry) && lhs.give.map(\.device) == rhs.give.map(\.device)
            && lhs.removeLeft == rhs.removeLeft
    }

    public init(entries: [Entry], grants: [GrantRecord.Grant], withheld: [GrantRecord.Withheld] = [], left: [GrantRecord.Grant] = []) {
        var takeBack: [(index: Int, reason: Reason)] = []
        var give: [(entry: Entry, device: HostDevice)] = []
        let byKey = Dictionary(entries.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var satisfied = Set<DeviceKey>()
        for (index, grant) in grants.enumerated() {
            guard let key = grant.key, let entry = byKey[key] else { continue }
            if case .device(let device) = entry.host, !satisfied.contains(key), ReconcilePlan.matches(grant, entry.spec, device) {
                satisfied.insert(key)
                continue
            }
            if case .device = entry.host { takeBack.append((index, .replaced)) } else { takeBack.append((index, .gone)) }
        }
        // Container paths that stay taken: a grant kept, of an entry or of none.
        let takenBack = Set(takeBack.map(\.index))
        var occupied = Set(grants.indices.filter { !takenBack.contains($0) }.map { grants[$0].containerPath })
        let isWithheld = { (entry: Entry) in withheld.contains { $0.key == entry.key && $0.path == entry.spec.selector.description } }
        var removeLeft = Set<Int>()
        for entry in entries.sorted(by: { $0.key.index < $1.key.index }) where !satisfied.contains(entry.key) && !isWithheld(entry) {
            // A USB entry has no container path of its own; the watcher does not follow one yet.
            guard case .device(let device) = entry.host, let containerPath = entry.spec.containerPath, !occupied.contains(containerPath)
            else { continue }
            let blocking = left.indices.filter {
                left[$0].containerPath == containerPath || (left[$0].type == device.type && left[$0].number == device.number)
            }
            guard blocking.isEmpty else {
                removeLeft.formUnion(blocking)
                continue
            }
            occupied.insert(containerPath)
            give.append((entry, device))
        }
        self.takeBack = takeBack.sorted { $0.index > $1.index }
        self.give = give
        self.removeLeft = removeLeft.sorted(by: >)
    }

    /// Whether a grant is what the entry asks for now.
    static func matches(_ grant: GrantRecord.Grant, _ spec: DeviceSpec, _ device: HostDevice) -> Bool {
        grant.type == device.type && grant.number == device.number
            && grant.containerPath == spec.containerPath && grant.readOnly == spec.denyWrite
    }
}

/// Which containers a change on the host concerns, so that the watcher
/// looks again only at those: each container's entries by the paths they
/// name (and every directory on the way, whose making or removal brings a
/// path or takes it away), the paths those resolve to now, the device
/// numbers its entries and grants hold, and its directory's identity (the
/// host's records are named by it). Pure.
public struct WatchIndex: Sendable {
    /// What one container depends on.
    public struct Interest: Equatable, Sendable {
        /// Host paths: its entries' paths and what they resolve to now.
        public var paths: [String]
        /// Device numbers its entries name now and its grants hold.
        public var numbers: [DeviceNumber]
        /// Its directory's device and inode (`DEV-INO.grants`, `DEV-INO.run` in the records).
        public var directory: DirectoryIdentity?

        public init(paths: [String] = [], numbers: [DeviceNumber] = [], directory: DirectoryIdentity? = nil) {
            self.paths = paths
            self.numbers = numbers
            self.directory = directory
        }
    }

    public struct DirectoryIdentity: Hashable, Sendable {
        public var device: UInt64
        public var inode: UInt64

        public init(device: UInt64, inode: UInt64) {
            self.device = device
            self.inode = inode
        }
    }

    public private(set) var interests: [String: Interest] = [:]
    private var byPath: [String: Set<String>] = [:]
    private var byNumber: [DeviceNumber: Set<String>] = [:]
    private var byDirectory: [DirectoryIdentity: String] = [:]

    public init() {}

    /// Replaces what container `name` depends on.
    public mutating func set(_ name: String, _ interest: Interest) {
        if interests[name] == interest { return }
        remove(name)
        interests[name] = interest
        for key in WatchIndex.keys(interest.paths) { byPath[key, default: []].insert(name) }
        for number in interest.numbers { byNumber[number, default: []].insert(name) }
        if let directory = interest.directory { byDirectory[directory] = name }
    }

    /// Gives back the room that containers forgotten left in its maps, and
    /// in the sets of names they hold (a directory a thousand containers
    /// shared keeps room for them all while one still has it).
    public mutating func compact() {
        interests = interests.compacted()
        byPath = byPath.compacted().mapValues { $0.compacted() }
        byNumber = byNumber.compacted().mapValues { $0.compacted() }
        byDirectory = byDirectory.compacted()
    }

    /// Forgets container `name` (it is gone).
    public mutating func remove(_ name: String) {
        guard let old = interests.removeValue(forKey: name) else { return }
        for key in WatchIndex.keys(old.paths) {
            byPath[key]?.remove(name)
            if byPath[key]?.isEmpty == true { byPath[key] = nil }
        }
        for number in old.numbers {
            byNumber[number]?.remove(name)
            if byNumber[number]?.isEmpty == true { byNumber[number] = nil }
        }
        if let directory = old.directory, byDirectory[directory] == name { byDirectory[directory] = nil }
    }

    /// The containers a name made, removed or renamed at `path` concerns:
    /// those with a path there or below it.
    public func containers(touchedAt path: String) -> Set<String> {
        byPath[DevicePath.normalized(path)] ?? []
    }

    /// The containers whose entries or grants hold device `number`.
    public func containers(using number: DeviceNumber) -> Set<String> {
        byNumber[number] ?? []
    }

    /// The container whose directory this is; nil when none known has it.
    public func container(withDirectory identity: DirectoryIdentity) -> String? {
        byDirectory[identity]
    }

    /// Every path and each of its directories below the top one (`/dev`,
    /// whose every change would otherwise concern everyone): a change at any
    /// of them may bring or take away the path.
    static func keys(_ paths: [String]) -> Set<String> {
        var keys = Set<String>()
        for path in paths {
            var components = DevicePath.normalized(path).split(separator: "/")
            while components.count >= 2 {
                keys.insert("/" + components.joined(separator: "/"))
                components.removeLast()
            }
        }
        return keys
    }
}

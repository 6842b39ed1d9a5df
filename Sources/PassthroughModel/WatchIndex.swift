/// Which containers a change on the host concerns, so that the watcher
/// looks again only at those: each container's entries by the paths they
/// name (and every directory on the way, whose making or removal brings a
/// path or takes it away), the paths those resolve to now, the device
/// numbers its entries and grants hold, its directory's identity (the
/// host's records are named by it), and whether it has USB entries: a USB
/// device that comes may be one its selectors match, and only sysfs says
/// (`USBEvents`; every other event costs such a container nothing). Pure.
public struct WatchIndex: Sendable {
    /// What one container depends on.
    public struct Interest: Equatable, Sendable {
        /// Host paths: its entries' paths and what they resolve to now.
        public var paths: [String]
        /// Device numbers its entries name now and its grants hold.
        public var numbers: [DeviceNumber]
        /// Its directory's device and inode (`DEV-INO.grants`, `DEV-INO.run` in the records).
        public var directory: DirectoryIdentity?
        /// Which USB events concern it; nil when it has no USB entry.
        public var usb: USBEvents?

        public init(paths: [String] = [], numbers: [DeviceNumber] = [], directory: DirectoryIdentity? = nil, usb: USBEvents? = nil) {
            self.paths = paths
            self.numbers = numbers
            self.directory = directory
            self.usb = usb
        }
    }

    /// Which of the host's USB uevents concern a container with USB entries.
    /// A new device's number is nobody's yet, and its ids, serial and port
    /// are read from sysfs, never from the event: any USB device that comes
    /// or goes concerns every such container, which sysfs then answers.
    public enum USBEvents: Hashable, Sendable {
        /// A USB device's own (`SUBSYSTEM=usb`, `DEVTYPE=usb_device`): its entries give each device's node (`nodes=usb`).
        case devices
        /// Those, and every node's below a USB device (its interfaces' tty,
        /// hidraw, video...): an entry gives `nodes=all`, whose nodes come
        /// and go as the device's drivers bind.
        case devicesAndNodes

        /// What entries with these selectors need; nil when none is a USB selector.
        public init?(_ selectors: [DeviceSelector]) {
            var found: USBEvents?
            for selector in selectors {
                guard case .usb(_, let nodes) = selector else { continue }
                if nodes == .all { found = .devicesAndNodes; break }
                found = .devices
            }
            guard let found else { return nil }
            self = found
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
    private var byUSB: [USBEvents: Set<String>] = [:]

    public init() {}

    /// Replaces what container `name` depends on.
    public mutating func set(_ name: String, _ interest: Interest) {
        if interests[name] == interest { return }
        remove(name)
        interests[name] = interest
        for key in WatchIndex.keys(interest.paths) { byPath[key, default: []].insert(name) }
        for number in interest.numbers { byNumber[number, default: []].insert(name) }
        if let directory = interest.directory { byDirectory[directory] = name }
        if let usb = interest.usb { byUSB[usb, default: []].insert(name) }
    }

    /// Gives back the room that containers forgotten left in its maps, and
    /// in the sets of names they hold (a directory a thousand containers
    /// shared keeps room for them all while one still has it).
    public mutating func compact() {
        interests = interests.compacted()
        byPath = byPath.compacted().mapValues { $0.compacted() }
        byNumber = byNumber.compacted().mapValues { $0.compacted() }
        byDirectory = byDirectory.compacted()
        byUSB = byUSB.compacted().mapValues { $0.compacted() }
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
        if let usb = old.usb {
            byUSB[usb]?.remove(name)
            if byUSB[usb]?.isEmpty == true { byUSB[usb] = nil }
        }
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

    /// The containers a USB event concerns, as the event says what it is of
    /// (a hint: what they are given is read from sysfs): a USB device's,
    /// those with any USB entry; a node's below a USB device, those with a
    /// `nodes=all` entry.
    public func containers(hearing hint: Uevent.USBHint) -> Set<String> {
        switch hint {
        case .device: return (byUSB[.devices] ?? []).union(byUSB[.devicesAndNodes] ?? [])
        case .nodeBelowDevice: return byUSB[.devicesAndNodes] ?? []
        }
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

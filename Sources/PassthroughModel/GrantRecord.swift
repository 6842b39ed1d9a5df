/// What lxc-passthrough gave a running container, kept by the host in a
/// root-only directory the container cannot reach (`/run/lxc-passthrough/`):
/// written by pre-start at each start and by `attach` and `detach`, removed by
/// post-stop. What to take back, and how, is decided from it, never from what
/// the container shows. Pure: the text format and what it implies.
///
/// The text, one item a line:
///
///     lxc-passthrough grants 1
///     made 5184000123456
///     hierarchy v2
///     rule deny a
///     rule allow b 7:0 rw
///     own deny a
///     grant dev0 b 7 0 rw 0:61 3 dev0 /dev/loop0
///     withheld dev1 /dev/ttyUSB0
///     left dev2 c 188 0 rw 0:61 4 dev2 /dev/ttyUSB0
///
/// `rule` lines are the device rules in force (`LiveDeviceRules`), `own` lines
/// the container's own (its config without lxc-passthrough's block), `grant`
/// lines `KEY|- TYPE MAJOR MINOR rw|r FS_MAJOR:FS_MINOR INODE NAME PATH` with
/// PATH escaped as in the device list, `withheld` lines `KEY PATH` (the
/// entry's host path, escaped the same way), `left` lines as `grant` lines:
/// nodes whose access was taken back but which could not be taken out of
/// the container.
public struct GrantRecord: Equatable, Sendable {
    public static let header = "lxc-passthrough grants 1"

    /// When it was made (CLOCK_BOOTTIME, nanoseconds): a record made before
    /// the container's monitor started was left by an earlier run.
    public var madeAt: UInt64
    /// The device rules in force in the running container.
    public var rules: LiveDeviceRules
    /// The container's own rules at start, without lxc-passthrough's block:
    /// what a device keeps when lxc-passthrough takes it out.
    public var ownRules: [DeviceRule]
    public var grants: [Grant]
    /// Entries taken out of the running container on purpose (`detach
    /// --temporary`): the watcher does not give them back during this run.
    public var withheld: [Withheld]
    /// Nodes taken back whose removal from the container failed (it made
    /// their directory unwritable to its root, say): their access stays
    /// taken back (they are no grant), and no device is given at their path
    /// or of their number while they are there, so that it never comes back
    /// through them.
    public var left: [Grant]

    public init(
        madeAt: UInt64, rules: LiveDeviceRules, ownRules: [DeviceRule], grants: [Grant] = [], withheld: [Withheld] = [], left: [Grant] = []
    ) {
        self.madeAt = madeAt
        self.rules = rules
        self.ownRules = ownRules.filter { $0.hierarchy == rules.hierarchy }
        self.grants = grants
        self.withheld = withheld
        self.left = left
    }

    /// The node left in the container that keeps `path` or the device
    /// `type` `number` from being given, if any.
    public func leftNode(at path: String, orOf type: DeviceType, _ number: DeviceNumber) -> Grant? {
        left.first { $0.containerPath == path || ($0.type == type && $0.number == number) }
    }

    /// An entry withheld from this run, by its key and host path (an entry
    /// added since under the same key, for another path, is not). For a USB
    /// entry, `path` holds its selector's description (`usb 1a6e:089a port
    /// 1-2`), which `DeviceSelector.description` gives as the path of a path entry.
    public struct Withheld: Equatable, Sendable {
        public var key: DeviceKey
        public var path: String

        public init(key: DeviceKey, path: String) {
            self.key = key
            self.path = path
        }
    }

    /// Whether the entry `key` with host path `path` is withheld from this run.
    public func withholds(_ key: DeviceKey, path: String) -> Bool {
        withheld.contains { $0.key == key && $0.path == path }
    }

    /// One device node placed in the container.
    public struct Grant: Equatable, Sendable {
        /// The entry it was placed for; nil for `attach --temporary`.
        public var key: DeviceKey?
        public var containerPath: String
        public var type: DeviceType
        public var number: DeviceNumber
        public var readOnly: Bool
        public var node: NodeIdentity

        public init(key: DeviceKey?, containerPath: String, type: DeviceType, number: DeviceNumber, readOnly: Bool, node: NodeIdentity) {
            self.key = key
            self.containerPath = containerPath
            self.type = type
            self.number = number
            self.readOnly = readOnly
            self.node = node
        }
    }

    /// A node lxc-passthrough made: its file system (a tmpfs only
    /// lxc-passthrough writes, by device number) and inode. A mount the
    /// container makes shows this file only if it binds lxc-passthrough's own node.
    public struct NodeIdentity: Hashable, Sendable, CustomStringConvertible {
        public var fileSystem: DeviceNumber
        public var inode: UInt64
        /// Its name in that file system (`dev3`, `read-write`): a mount of it shows `/NAME` as its root.
        public var name: String

        public init(fileSystem: DeviceNumber, inode: UInt64, name: String) {
            self.fileSystem = fileSystem
            self.inode = inode
            self.name = name
        }

        public var description: String { "\(name) (inode \(inode) of \(fileSystem))" }
    }

    /// What the device must be allowed and denied, given the grants of it
    /// in the record: read-write unless every one is read-only; once none
    /// remains, only what the container's own rules give it.
    public func goal(for type: DeviceType, _ number: DeviceNumber) -> LiveDeviceRules.Goal {
        let holding = grants.filter { $0.type == type && $0.number == number }
        guard !holding.isEmpty else {
            return .revoked(keeping: LiveDeviceRules.standingAccess(type, number, own: ownRules, hierarchy: rules.hierarchy))
        }
        return .passedThrough(readOnly: holding.allSatisfy(\.readOnly))
    }

    public func encoded() -> String { String(decoding: encodedBytes(), as: UTF8.self) }

    /// The text, as the store writes it.
    public func encodedBytes() -> [UInt8] {
        var text = TextBuilder(capacity: 64 + 32 * (rules.rules.count + ownRules.count) + 96 * grants.count)
        text.add(GrantRecord.header)
        text.add("\nmade ")
        text.add(decimal: madeAt)
        text.add(rules.hierarchy == .v1 ? "\nhierarchy v1\n" : "\nhierarchy v2\n")
        // Lines added in turn by local functions: arrays of (word, value)
        // tuples made the runtime look their types up by mangled name.
        func add(_ prefix: String, rules list: [DeviceRule]) {
            for rule in list {
                text.add(prefix)
                text.add(rule.verdict.rawValue)
                text.add(byte: UInt8(ascii: " "))
                text.add(rule.value)
                text.add(byte: UInt8(ascii: "\n"))
            }
        }
        func add(_ word: String, _ grant: Grant) {
            text.add(word)
            if let key = grant.key { text.add(key: key) } else { text.add("-") }
            text.add(byte: UInt8(ascii: " "))
            text.add(grant.type, grant.number)
            text.add(grant.readOnly ? " r " : " rw ")
            text.add(decimal: grant.node.fileSystem.major)
            text.add(byte: UInt8(ascii: ":"))
            text.add(decimal: grant.node.fileSystem.minor)
            text.add(byte: UInt8(ascii: " "))
            text.add(decimal: grant.node.inode)
            text.add(byte: UInt8(ascii: " "))
            text.add(escapedPath: grant.node.name)
            text.add(byte: UInt8(ascii: " "))
            text.add(escapedPath: grant.containerPath)
            text.add(byte: UInt8(ascii: "\n"))
        }
        add("rule ", rules: rules.rules)
        add("own ", rules: ownRules)
        for grant in grants { add("grant ", grant) }
        for grant in left { add("left ", grant) }
        for entry in withheld {
            text.add("withheld ")
            text.add(key: entry.key)
            text.add(byte: UInt8(ascii: " "))
            text.add(escapedPath: entry.path)
            text.add(byte: UInt8(ascii: "\n"))
        }
        return text.bytes
    }

    public typealias Failure = LineFailure

    public static func decode(bytes: [UInt8]) throws(Failure) -> GrantRecord {
        var lines = bytes[...].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.first.map({ $0.elementsEqual(header.utf8) }) == true else {
            throw Failure(line: 1, message: "expected the header '\(header)'")
        }
        guard lines.count >= 4, lines.last?.isEmpty == true else { throw Failure(line: lines.count, message: "the record ends early") }
        lines.removeLast()
        let fields = { (index: Int) in lines[index].split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false) }
        let made = fields(1)
        guard made.count == 2, made[0].elementsEqual("made".utf8), let madeAt = made[1].decimalUInt64 else {
            throw Failure(line: 2, message: "expected 'made NANOSECONDS'")
        }
        let hierarchy: DeviceRule.Hierarchy
        if lines[2].equals("hierarchy v1") {
            hierarchy = .v1
        } else if lines[2].equals("hierarchy v2") {
            hierarchy = .v2
        } else {
            throw Failure(line: 3, message: "expected 'hierarchy v1' or 'hierarchy v2'")
        }
        var rules: [DeviceRule] = [], own: [DeviceRule] = [], grants: [Grant] = [], withheld: [Withheld] = [], left: [Grant] = []
        for index in 3..<lines.count {
            let fail = { (message: String) in Failure(line: index + 1, message: message) }
            let bytes = lines[index]
            if bytes.starts(with: "rule ") || bytes.starts(with: "own ") {
                var fields = BlankSeparatedFields(bytes)
                let isOwn = fields.next()?.equals("own") == true
                let word = fields.next()
                let verdict: DeviceRule.Verdict? = word?.equals("allow") == true ? .allow : word?.equals("deny") == true ? .deny : nil
                guard let verdict, let rule = DeviceRule(hierarchy, verdict, value: fields.remainder()) else {
                    throw fail("bad rule '\(String(utf8Slice: bytes))'")
                }
                if isOwn { own.append(rule) } else { rules.append(rule) }
            } else if bytes.starts(with: "grant ") {
                grants.append(try decodeGrant(fields(index), fail: fail))
            } else if bytes.starts(with: "left ") {
                left.append(try decodeGrant(fields(index), fail: fail))
            } else if bytes.starts(with: "withheld ") {
                let parts = fields(index)
                guard parts.count == 3, let key = DeviceKey(String(utf8Slice: parts[1])) else { throw fail("bad withheld entry") }
                guard let path = OctalEscape.unescapePath(parts[2]), DevicePath.problem(path) == nil else { throw fail("bad withheld path") }
                withheld.append(Withheld(key: key, path: path))
            } else {
                throw fail("unknown line")
            }
        }
        return GrantRecord(
            madeAt: madeAt, rules: LiveDeviceRules(hierarchy: hierarchy, started: rules), ownRules: own, grants: grants, withheld: withheld, left: left)
    }

    private static func decodeGrant(_ fields: [ArraySlice<UInt8>], fail: (String) -> Failure) throws(Failure) -> Grant {
        guard fields.count == 10 else { throw fail("expected 10 fields, found \(fields.count)") }
        let keyText = String(utf8Slice: fields[1])
        let key = DeviceKey(keyText)
        guard key != nil || keyText == "-" else { throw fail("bad key '\(keyText)'") }
        guard let type = DeviceType(rawValue: String(utf8Slice: fields[2])) else { throw fail("bad device type") }
        guard let major = fields[3].decimalUInt32, let minor = fields[4].decimalUInt32 else { throw fail("bad device number") }
        let access = String(utf8Slice: fields[5])
        guard access == "rw" || access == "r" else { throw fail("bad access '\(access)'") }
        let fileSystem = fields[6].split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard fileSystem.count == 2, let fsMajor = fileSystem[0].decimalUInt32, let fsMinor = fileSystem[1].decimalUInt32,
              let inode = fields[7].decimalUInt64
        else { throw fail("bad node identity") }
        guard let name = OctalEscape.unescapePath(fields[8]), !name.isEmpty, !name.contains("/") else { throw fail("bad node name") }
        guard let path = OctalEscape.unescapePath(fields[9]) else { throw fail("bad escape in path") }
        if let problem = DevicePath.problem(path) { throw fail("bad path: \(problem)") }
        return Grant(
            key: key, containerPath: path, type: type, number: DeviceNumber(major: major, minor: minor), readOnly: access == "r",
            node: NodeIdentity(fileSystem: DeviceNumber(major: fsMajor, minor: fsMinor), inode: inode, name: name))
    }
}

/// The container's `lxc.idmap` ranges: how container ids map to host ids.
public struct IDMap: Equatable, Sendable {
    public enum Kind: String, Sendable { case user = "u", group = "g" }

    public struct Range: Equatable, Sendable {
        public var kind: Kind
        public var containerStart: UInt32
        public var hostStart: UInt32
        public var count: UInt32

        public init(kind: Kind, containerStart: UInt32, hostStart: UInt32, count: UInt32) {
            self.kind = kind
            self.containerStart = containerStart
            self.hostStart = hostStart
            self.count = count
        }

        /// Parses `u 0 100000 65536` (`lxc.idmap`'s value; `b` is not accepted by LXC either).
        /// Split on blank bytes, four fields in turn: splitting into an array
        /// of `Character` pieces was about 10,000 instructions a line in
        /// pre-start. (A field holding any byte that is not ASCII fails to
        /// parse either way.)
        public init?(_ text: some StringProtocol) {
            let bytes = String(text).utf8
            var index = bytes.startIndex
            func nextField() -> Substring? {
                let isBlank = { (byte: UInt8) in byte == 0x20 || byte == 0x09 }
                while index < bytes.endIndex && isBlank(bytes[index]) { bytes.formIndex(after: &index) }
                guard index < bytes.endIndex else { return nil }
                let start = index
                while index < bytes.endIndex && !isBlank(bytes[index]) { bytes.formIndex(after: &index) }
                return Substring(bytes[start..<index])
            }
            guard let kindField = nextField(), let kind = Kind(rawValue: String(kindField)),
                  let containerStart = nextField().flatMap({ UInt32($0) }), let hostStart = nextField().flatMap({ UInt32($0) }),
                  let count = nextField().flatMap({ UInt32($0) }), count > 0, nextField() == nil
            else { return nil }
            self.init(kind: kind, containerStart: containerStart, hostStart: hostStart, count: count)
        }

        func hostID(for id: UInt32) -> UInt32? {
            guard id >= containerStart, UInt64(id) < UInt64(containerStart) + UInt64(count) else { return nil }
            let host = UInt64(hostStart) + UInt64(id - containerStart)
            return host < UInt64(UInt32.max) ? UInt32(host) : nil
        }
    }

    public var ranges: [Range]

    public init(_ ranges: [Range] = []) { self.ranges = ranges }

    /// A container without an id map is privileged: its ids are the host's.
    public var isPrivileged: Bool { ranges.isEmpty }

    /// The host id for container id `id`, or nil when no range of `kind` maps it.
    public func hostID(for id: UInt32, kind: Kind) -> UInt32? {
        if isPrivileged { return id }
        for range in ranges where range.kind == kind {
            if let host = range.hostID(for: id) { return host }
        }
        return nil
    }

    /// The container id of host id `id` (what the container sees as a file's
    /// owner), or nil when no range of `kind` maps it: it shows as `nobody`.
    public func containerID(for id: UInt32, kind: Kind) -> UInt32? {
        if isPrivileged { return id }
        for range in ranges where range.kind == kind {
            guard id >= range.hostStart, UInt64(id) < UInt64(range.hostStart) + UInt64(range.count) else { continue }
            let inside = UInt64(range.containerStart) + UInt64(id - range.hostStart)
            if inside < UInt64(UInt32.max) { return UInt32(inside) }
        }
        return nil
    }

    /// The host ids of the container's root (0:0 when privileged, or when unmapped).
    public var hostRoot: (uid: UInt32, gid: UInt32) {
        (hostID(for: 0, kind: .user) ?? 0, hostID(for: 0, kind: .group) ?? 0)
    }

    /// The host ids of the container's root, or nil when its uid or gid 0 is not mapped.
    public var mappedRoot: (uid: UInt32, gid: UInt32)? {
        guard let uid = hostID(for: 0, kind: .user), let gid = hostID(for: 0, kind: .group) else { return nil }
        return (uid, gid)
    }
}

extension IDMap {
    /// The map the kernel reports for a running process (`/proc/PID/uid_map`
    /// and `gid_map`, lines of `INSIDE OUTSIDE COUNT`), or nil when a line
    /// does not parse. The whole id space mapped to itself (a process in the
    /// host's user namespace) is a privileged container's: no ranges.
    public init?(uidMap: [UInt8], gidMap: [UInt8]) {
        var ranges: [Range] = []
        for (kind, text) in [(Kind.user, uidMap), (.group, gidMap)] {
            for line in text.split(separator: UInt8(ascii: "\n")) {
                var fields = BlankSeparatedFields(line)
                guard let inside = fields.next()?.decimalUInt32, let outside = fields.next()?.decimalUInt32,
                      let count = fields.next()?.decimalUInt32, count > 0, fields.next() == nil
                else { return nil }
                ranges.append(Range(kind: kind, containerStart: inside, hostStart: outside, count: count))
            }
        }
        let whole = { (kind: Kind) in Range(kind: kind, containerStart: 0, hostStart: 0, count: UInt32.max) }
        self = ranges == [whole(.user), whole(.group)] ? IDMap() : IDMap(ranges)
    }
}

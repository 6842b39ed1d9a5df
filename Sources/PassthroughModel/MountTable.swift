/// A process's mounts as `/proc/PID/mountinfo` lists them (paths as that
/// process sees them). Pure.
public struct MountTable: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        /// The file system's device number (`MAJ:MIN`, the `st_dev` of its files).
        public var device: DeviceNumber?
        /// The path inside the file system that is mounted (`/dev3` for a node of a tmpfs).
        public var root: String
        public var mountPoint: String
        public var fileSystemType: String
        public var source: String
        /// The file system's own options (`rw,size=16k`; for cgroup v1, the controllers).
        public var superOptions: String
    }

    public var entries: [Entry]

    /// The source name lxc-passthrough gives its tmpfs mounts, so that `detach`
    /// tells its own device mounts from LXC's (`/dev/null`...).
    public static let source = "lxc-passthrough"

    /// Parses `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE SUPEROPTIONS`.
    /// Lines that do not have this shape are skipped.
    public init(mountinfo: String) {
        self.init(mountinfo: Array(mountinfo.utf8))
    }

    /// The same, from the bytes of `/proc/PID/mountinfo` as they were read.
    public init(mountinfo: [UInt8]) {
        entries = MountTable.rows(mountinfo).map { row in
            func text(_ index: Int) -> String { MountTable.unescape(row.fields[index]) }
            let numbers = row.fields[2].split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            let device = numbers.count == 2 ? numbers[0].decimalUInt32.flatMap { major in
                numbers[1].decimalUInt32.map { DeviceNumber(major: major, minor: $0) }
            } : nil
            return Entry(
                device: device, root: text(3), mountPoint: text(4), fileSystemType: text(row.dash + 1), source: text(row.dash + 2),
                superOptions: row.dash + 3 < row.fields.count ? text(row.dash + 3) : "")
        }
    }

    /// One line's fields, as the kernel wrote them (escaped), and where the
    /// `-` separator is: for a reader that needs a field or two, without
    /// making strings of every field of every mount.
    public struct Row {
        public var fields: [ArraySlice<UInt8>]
        public var dash: Int
        public var fileSystemType: ArraySlice<UInt8> { fields[dash + 1] }
        public var superOptions: ArraySlice<UInt8> { dash + 3 < fields.count ? fields[dash + 3] : [] }
    }

    /// The lines of the shape `init(mountinfo:)` reads.
    public static func rows(_ mountinfo: [UInt8]) -> [Row] {
        mountinfo.split(separator: UInt8(ascii: "\n")).compactMap { line in
            let fields = Array(line.split(separator: UInt8(ascii: " ")))
            // The separator comes after the six fixed fields: a mount point of "-" is not it.
            guard fields.count >= 9, let dash = fields[6...].firstIndex(where: { $0.elementsEqual("-".utf8) }),
                  fields.count >= dash + 3
            else { return nil }
            return Row(fields: fields, dash: dash)
        }
    }

    /// The mounts of one file of one file system (`/dev3` of a tmpfs): where it is bound, in mount order.
    public func mounts(of device: DeviceNumber, root: String) -> [Entry] {
        entries.filter { $0.device == device && $0.root == root }
    }

    /// Where one file of one file system (`/dev3` of a tmpfs) is mounted, in
    /// mount order, read straight from the bytes of `/proc/PID/mountinfo`:
    /// only the lines of that file system are split, for a caller that waits
    /// on the answer (the same as `MountTable(mountinfo:).mounts(of:root:)`).
    public static func mountPoints(of device: DeviceNumber, root: String, mountinfo: [UInt8]) -> [String] {
        let wanted = Array("\(device.major):\(device.minor)".utf8)
        var points: [String] = []
        for line in mountinfo.split(separator: UInt8(ascii: "\n")) {
            // The third field, found without splitting the line.
            var spaces = 0
            var start = line.startIndex
            while start < line.endIndex, spaces < 2 {
                if line[start] == UInt8(ascii: " ") { spaces += 1 }
                start += 1
            }
            guard line[start...].starts(with: wanted), line.index(start, offsetBy: wanted.count, limitedBy: line.endIndex).map({
                $0 < line.endIndex && line[$0] == UInt8(ascii: " ")
            }) == true
            else { continue }
            guard let row = rows(Array(line)).first, unescape(row.fields[3]) == root else { continue }
            points.append(unescape(row.fields[4]))
        }
        return points
    }

    /// The mount on top at `path`, if any.
    public func topMount(at path: String) -> Entry? {
        entries.last { $0.mountPoint == path }
    }

    /// The kernel writes space, tab, newline and backslash as `\ooo`.
    static func unescape(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: OctalEscape.unescape(field, strict: false) ?? [], as: UTF8.self)
    }
}

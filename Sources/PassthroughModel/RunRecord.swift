/// Which processes a running container is, as its own start told the host:
/// LXC's `start-host` hook (run by the container's monitor, on the host, as
/// real root) writes it into the root-only records' directory, post-stop
/// removes it. Whether a container runs, which process is its monitor and
/// which its init are decided from this and `/proc`, never from LXC's
/// command socket, which any local user can bind while the monitor is gone.
/// Pure: the text format.
///
///     lxc-passthrough run 1
///     monitor 1234 5184000000000
///     init 1240 5184010000000
///     devices 35 1207 /lxc.payload.ct
///
/// Pre-start writes it with the monitor alone (the container is starting);
/// start-host adds its init and the cgroup its init was put in, before the
/// container ran anything: the directory's identity (device and inode) and
/// its path in the hierarchy where device rules are kept, escaped as in the
/// grants' record. The line is `devices` where device rules are cgroup v1
/// files (the devices hierarchy), `cgroup2` where they are eBPF programs on
/// the cgroup v2 hierarchy.
/// Each process by its pid and its start (CLOCK_BOOTTIME nanoseconds, as
/// `/proc/PID/stat` gives it to the clock tick): a pid reused by another
/// process has another start.
public struct RunRecord: Equatable, Sendable {
    public static let header = "lxc-passthrough run 1"

    public var monitor: Process
    /// Nil until start-host ran: the container is starting.
    public var initProcess: Process?

    /// The init's cgroup where its device rules are kept, as start-host found
    /// it (cgroup v1: in the devices hierarchy; v2: in the unified one); nil
    /// from hooks before this line was kept (v1 before 0.7.0, v2 before 0.8.0).
    public var devices: CgroupDirectory?

    public init(monitor: Process, initProcess: Process?, devices: CgroupDirectory? = nil) {
        self.monitor = monitor
        self.initProcess = initProcess
        self.devices = devices
    }

    /// A cgroup directory: its hierarchy, its path there and its identity.
    public struct CgroupDirectory: Equatable, Sendable {
        /// v1: the devices hierarchy; v2: the unified one.
        public var hierarchy: DeviceRule.Hierarchy
        /// Absolute in the hierarchy (`/lxc.payload.ct`), as `/proc/PID/cgroup` gives it.
        public var path: String
        public var device: UInt64
        public var inode: UInt64

        public init(hierarchy: DeviceRule.Hierarchy = .v1, path: String, device: UInt64, inode: UInt64) {
            self.hierarchy = hierarchy
            self.path = path
            self.device = device
            self.inode = inode
        }
    }

    /// A process, by pid and start.
    public struct Process: Equatable, Sendable {
        public var pid: Int32
        public var startedAt: UInt64

        public init(pid: Int32, startedAt: UInt64) {
            self.pid = pid
            self.startedAt = startedAt
        }
    }

    public func encodedBytes() -> [UInt8] {
        var text = TextBuilder(capacity: 96)
        text.add(RunRecord.header)
        // One line per process, added in turn: an array of (word, process)
        // tuples made the runtime look its type up by mangled name.
        func add(_ word: String, _ process: Process) {
            text.add(word)
            text.add(decimal: UInt64(process.pid))
            text.add(byte: UInt8(ascii: " "))
            text.add(decimal: process.startedAt)
        }
        add("\nmonitor ", monitor)
        if let initProcess { add("\ninit ", initProcess) }
        if let devices, initProcess != nil {
            text.add(devices.hierarchy == .v1 ? "\ndevices " : "\ncgroup2 ")
            text.add(decimal: devices.device)
            text.add(byte: UInt8(ascii: " "))
            text.add(decimal: devices.inode)
            text.add(byte: UInt8(ascii: " "))
            text.add(escapedPath: devices.path)
        }
        text.add(byte: UInt8(ascii: "\n"))
        return text.bytes
    }

    public static func decode(bytes: [UInt8]) throws(LineFailure) -> RunRecord {
        let lines = bytes[...].split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        guard lines.first.map({ $0.elementsEqual(header.utf8) }) == true else {
            throw LineFailure(line: 1, message: "expected the header '\(header)'")
        }
        guard (3...5).contains(lines.count), lines[lines.count - 1].isEmpty else {
            throw LineFailure(line: min(lines.count, 5), message: "expected 2 to 4 lines, each ended by a newline")
        }
        func process(_ index: Int, _ word: StaticString) throws(LineFailure) -> Process {
            var fields = BlankSeparatedFields(lines[index])
            guard fields.next()?.equals(word) == true, let pid = fields.next()?.decimalUInt32, pid > 0, pid <= UInt32(Int32.max),
                  let startedAt = fields.next()?.decimalUInt64, fields.next() == nil
            else { throw LineFailure(line: index + 1, message: "expected '\(word) PID STARTED'") }
            return Process(pid: Int32(pid), startedAt: startedAt)
        }
        var devices: CgroupDirectory?
        if lines.count == 5 {
            var fields = BlankSeparatedFields(lines[3])
            let word = fields.next()
            let hierarchy: DeviceRule.Hierarchy? = word?.equals("devices") == true ? .v1 : word?.equals("cgroup2") == true ? .v2 : nil
            guard let hierarchy, let device = fields.next()?.decimalUInt64, let inode = fields.next()?.decimalUInt64,
                  let field = fields.next(), let path = OctalEscape.unescapePath(field), path.hasPrefix("/"), fields.next() == nil
            else { throw LineFailure(line: 4, message: "expected 'devices DEVICE INODE PATH' or 'cgroup2 DEVICE INODE PATH'") }
            devices = CgroupDirectory(hierarchy: hierarchy, path: path, device: device, inode: inode)
        }
        return RunRecord(monitor: try process(1, "monitor"), initProcess: lines.count >= 4 ? try process(2, "init") : nil, devices: devices)
    }
}

/// A configuration file's content, as `ConfigReader` is given it.
public enum FileContent: Equatable, Sendable {
    case text(String)
    /// A directory: `lxc.include` of it includes its `*.conf` files, sorted by name.
    case directory([String])
}

/// Reads LXC and Proxmox configuration text. Pure: file contents come in
/// through `readFile`, so the rules are tested without a file system.
public struct ConfigReader {
    public static let maximumIncludeDepth = 32

    let readFile: (String) throws(ConfigFailure) -> FileContent

    public init(readFile: @escaping (String) throws(ConfigFailure) -> FileContent) {
        self.readFile = readFile
    }

    /// The `lxc.idmap` ranges of the LXC config at `path`, following `lxc.include`.
    /// An empty `lxc.idmap =` clears the list, as it does for LXC.
    public func idMap(configPath path: String) throws(ConfigFailure) -> IDMap {
        var ranges: [IDMap.Range] = []
        try visitLXCLines(path: path, depth: 0, chain: []) { key, value, origin, _ throws(ConfigError) in
            guard key == "lxc.idmap" || key == "lxc.id_map" else { return }
            if value.isEmpty { ranges.removeAll(); return }
            guard let range = IDMap.Range(value) else {
                throw ConfigError(origin: origin.description, message: "cannot parse \(key) = \(value): expected 'u|g CONTAINER_ID HOST_ID COUNT'")
            }
            ranges.append(range)
        }
        return IDMap(ranges)
    }

    /// The device cgroup rules of the LXC config at `path`, following
    /// `lxc.include`, in the order LXC applies them. An empty
    /// `lxc.cgroup.devices.allow =` (or `deny =`, or `lxc.cgroup2...`) clears
    /// the rules of that key given so far, as `userns.conf` does. With
    /// `includingManagedBlock` false, the block `lxc-passthrough sync`
    /// writes is left out: what the container has without it.
    public func deviceRules(configPath path: String, includingManagedBlock: Bool) throws(ConfigFailure) -> [DeviceRule] {
        let settings = try startSettings(configPath: path)
        return includingManagedBlock ? settings.deviceRules : settings.ownDeviceRules
    }

    /// What pre-start reads of the LXC config at `path` besides the id map, in one pass.
    public struct StartSettings: Equatable, Sendable {
        /// The device rules LXC starts the container with (see `deviceRules`).
        public var deviceRules: [DeviceRule] = []
        /// The same without `lxc-passthrough sync`'s block: the container's own.
        public var ownDeviceRules: [DeviceRule] = []
        /// The last `lxc.monitor.unshare` value, if any.
        public var monitorUnshare: String?
    }

    /// The device rules with and without the managed block and `lxc.monitor.unshare`, in one pass.
    public func startSettings(configPath path: String) throws(ConfigFailure) -> StartSettings {
        var settings = StartSettings()
        try visitLXCLines(path: path, depth: 0, chain: []) { key, value, origin, inManagedBlock throws(ConfigError) in
            if key == "lxc.monitor.unshare" { settings.monitorUnshare = value; return }
            guard key.hasPrefix("lxc.cgroup") else { return }
            try ConfigReader.applyRule(key: key, value: value, origin: origin, to: &settings.deviceRules)
            if !inManagedBlock { try ConfigReader.applyRule(key: key, value: value, origin: origin, to: &settings.ownDeviceRules) }
        }
        return settings
    }

    /// What pre-start reads of the LXC config at `path`: the id map and the
    /// start settings.
    public struct StartConfig: Equatable, Sendable {
        public var idMap = IDMap()
        public var settings = StartSettings()
        /// The refusal of a device rule that cannot be parsed, if any (at most one).
        public var ruleFailures: [ConfigFailure] = []

        public init() {}
    }

    /// The id map and the start settings in one pass over the config and its
    /// includes (two passes were about 16,000 instructions more for pre-start).
    /// A device rule that cannot be parsed does not end the pass, so that an
    /// id map that cannot be parsed is refused first, as when the id map was
    /// read in a pass of its own: its refusal is kept in `ruleFailures`, for
    /// pre-start to give where it gives the rules'.
    public func startConfig(configPath path: String) throws(ConfigFailure) -> StartConfig {
        var config = StartConfig()
        var ranges: [IDMap.Range] = []
        try visitLXCLines(path: path, depth: 0, chain: []) { key, value, origin, inManagedBlock throws(ConfigError) in
            if key == "lxc.idmap" || key == "lxc.id_map" {
                if value.isEmpty { ranges.removeAll(); return }
                guard let range = IDMap.Range(value) else {
                    throw ConfigError(origin: origin.description, message: "cannot parse \(key) = \(value): expected 'u|g CONTAINER_ID HOST_ID COUNT'")
                }
                ranges.append(range)
                return
            }
            guard config.ruleFailures.isEmpty else { return }
            if key == "lxc.monitor.unshare" { config.settings.monitorUnshare = value; return }
            guard key.hasPrefix("lxc.cgroup") else { return }
            do throws(ConfigError) {
                try ConfigReader.applyRule(key: key, value: value, origin: origin, to: &config.settings.deviceRules)
                if !inManagedBlock { try ConfigReader.applyRule(key: key, value: value, origin: origin, to: &config.settings.ownDeviceRules) }
            } catch {
                config.ruleFailures.append(.invalid(error))
            }
        }
        config.idMap = IDMap(ranges)
        return config
    }

    /// One `lxc.cgroup*` line applied to `rules` as LXC does.
    private static func applyRule(key: String, value: String, origin: LineOrigin, to rules: inout [DeviceRule]) throws(ConfigError) {
        if value.isEmpty {
            rules.removeAll { rule in
                rule.key == key || key == "lxc.cgroup" && rule.hierarchy == .v1 || key == "lxc.cgroup2" && rule.hierarchy == .v2
            }
            return
        }
        guard DeviceRule.Hierarchy.allCases.contains(where: { key.hasPrefix($0.rawValue + ".") }) else { return }
        guard let rule = DeviceRule(key: key, value: value) else {
            throw ConfigError(origin: origin.description, message: "cannot parse the device rule \(key) = \(value)")
        }
        rules.append(rule)
    }

    /// The last value given to `key` in the LXC config at `path`, following `lxc.include`.
    public func lastValue(of key: String, configPath path: String) throws(ConfigFailure) -> String? {
        var found: String?
        try visitLXCLines(path: path, depth: 0, chain: []) { name, value, _, _ throws(ConfigError) in
            if name == key { found = value }
        }
        return found
    }

    /// Where a line is, made into text only for an error.
    struct LineOrigin: CustomStringConvertible {
        let path: String
        let number: Int
        var description: String { "\(path):\(number)" }
    }

    /// Calls `visit` with each `key = value` line of the config and its
    /// includes, in LXC's order, saying whether it is inside the block
    /// `lxc-passthrough sync` writes (an include there counts as inside).
    private func visitLXCLines(
        path: String, depth: Int, chain: [String], inManagedBlock outerBlock: Bool = false,
        _ visit: (String, String, LineOrigin, Bool) throws(ConfigError) -> Void
    ) throws(ConfigFailure) {
        guard depth <= ConfigReader.maximumIncludeDepth else {
            throw .invalid(ConfigError(origin: path, message: "lxc.include nested more than \(ConfigReader.maximumIncludeDepth) deep"))
        }
        if chain.contains(path) {
            throw .invalid(ConfigError(origin: path, message: "lxc.include cycle: \((chain + [path]).joined(separator: " -> "))"))
        }
        switch try readFile(path) {
        case .directory(let names):
            for name in names.filter({ $0.hasSuffix(".conf") }).sorted() {
                try visitLXCLines(path: path + "/" + name, depth: depth + 1, chain: chain + [path], inManagedBlock: outerBlock, visit)
            }
        case .text(let text):
            var number = 0
            var inBlock = false
            let blockBegin = Substring(ConfigDocument.blockBegin), blockEnd = Substring(ConfigDocument.blockEnd)
            for rawLine in ConfigReader.lines(text) {
                number += 1
                if rawLine == blockBegin { inBlock = true }
                if rawLine == blockEnd { inBlock = false; continue }
                guard let (key, value) = ConfigReader.lxcAssignment(rawLine) else { continue }
                let origin = LineOrigin(path: path, number: number)
                if key == "lxc.include" {
                    do {
                        try visitLXCLines(path: value, depth: depth + 1, chain: chain + [path], inManagedBlock: outerBlock || inBlock, visit)
                    } catch {
                        // LXC skips an include that does not exist (userns.conf includes
                        // /usr/share/lxc/config/userns.conf.d/, which Debian does not ship).
                        guard case .missing(value, _) = error else { throw error }
                    }
                } else {
                    do {
                        try visit(key, value, origin, outerBlock || inBlock)
                    } catch {
                        throw .invalid(error)
                    }
                }
            }
        }
    }

    /// The `devN:` entries of a container config (LXC's or Proxmox's
    /// `/etc/pve/lxc/NAME.conf`), in key order. Reading stops at the first
    /// `[section]` (Proxmox snapshots and pending changes).
    public static func deviceEntries(text: String, path: String) throws(ConfigError) -> [ContainerConfig.Entry] {
        // In the order read, with a bit for each key given: a dictionary by
        // key cost pre-start thousands of instructions per entry in hashing
        // and growing. Proxmox writes dev10 before dev2, so they may need sorting.
        var entries: [ContainerConfig.Entry] = []
        var given = KeyBits()
        var number = 0
        for line in lines(text) {
            number += 1
            if startsSection(line) { break }
            guard let (name, value) = deviceLine(line) else { continue }
            let key = try entryKey(name, origin: path + ":" + String(number), earlier: { key in
                guard given.contains(key) else { return nil }
                return entries.first { $0.key == key }?.origin
            })
            given.insert(key)
            entries.append(ContainerConfig.Entry(key: key, value: String(value), file: path, line: number))
        }
        if !zip(entries, entries.dropFirst()).allSatisfy({ $0.key < $1.key }) { entries.sort { $0.key < $1.key } }
        return entries
    }

    /// The key of the `devN` line named `name` at `origin`: refused when it
    /// is not `dev0` to `dev255`, or when an earlier line gave it (`earlier`
    /// says where). `origin` is made only for a refusal.
    public static func entryKey(
        _ name: some StringProtocol, origin: @autoclosure () -> String, earlier: (DeviceKey) -> String?
    ) throws(ConfigError) -> DeviceKey {
        guard let key = DeviceKey(name) else {
            throw ConfigError(origin: origin(), message: "'\(name)' is not a device key: use dev0 to dev255")
        }
        if let first = earlier(key) {
            throw ConfigError(origin: origin(), message: "\(key) is given twice (first at \(first))")
        }
        return key
    }

    /// dev0 to dev255, a bit each: in two integers rather than an array,
    /// whose first use of its element type costs the hooks thousands of instructions.
    struct KeyBits {
        var low: UInt128 = 0, high: UInt128 = 0

        func contains(_ key: DeviceKey) -> Bool {
            key.index < 128 ? low >> key.index & 1 != 0 : high >> (key.index - 128) & 1 != 0
        }

        mutating func insert(_ key: DeviceKey) {
            if key.index < 128 { low |= 1 << key.index } else { high |= 1 << (key.index - 128) }
        }
    }

    /// `devN: value` (N any digits, valid or not) split into name and trimmed value.
    static func deviceLine(_ line: Substring) -> (name: Substring, value: Substring)? {
        let bytes = line.utf8.drop(while: { $0 == 0x20 || $0 == 0x09 })
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let name = Substring(bytes[..<colon])
        guard DeviceKey.looksLikeKey(name) else { return nil }
        return (name, Substring(bytes[bytes.index(after: colon)...].trimmingBlanks))
    }

    /// A Proxmox `[snapshot]` or `[pve:pending]` section header: device lines end there.
    static func startsSection(_ line: Substring) -> Bool {
        line.utf8.drop(while: { $0 == 0x20 || $0 == 0x09 }).first == UInt8(ascii: "[")
    }

    /// Lines of a file, with a trailing `\r` removed (files edited on Windows).
    /// Split on bytes: to Swift's `Character`, `\r\n` is one character, not a `\n`.
    public static func lines(_ text: String) -> [Substring] {
        var text = text
        text.makeContiguousUTF8()
        let utf8 = text.utf8
        return utf8.withContiguousStorageIfAvailable { bytes -> [Substring] in
            var lines: [Substring] = []
            var start = 0
            func add(_ end: Int) {
                let trimmedEnd = end > start && bytes[end - 1] == UInt8(ascii: "\r") ? end - 1 : end
                let from = utf8.index(utf8.startIndex, offsetBy: start), to = utf8.index(utf8.startIndex, offsetBy: trimmedEnd)
                lines.append(Substring(utf8[from..<to]))
            }
            while true {
                let end = newline(in: bytes, from: start)
                add(end)
                guard end < bytes.count else { break }
                start = end + 1
            }
            return lines
        }!
    }

    /// The index of the first `\n` in `bytes` from `start`, or `bytes.count`.
    /// Eight bytes at a time: byte by byte it was ten instructions a byte, for
    /// every line of a config each hook reads (pre-start reads one three times).
    static func newline(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        let raw = UnsafeRawBufferPointer(bytes)
        while index + 8 <= bytes.count {
            // A word with a zero byte where `\n` was: (w - 0x01...) & ~w & 0x80... is non-zero then, and only then.
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ 0x0a0a_0a0a_0a0a_0a0a
            if (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080 != 0 { break }
            index += 8
        }
        while index < bytes.count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
        return index
    }

    /// `lxc.key = value` with whitespace around both trimmed; nil for comments,
    /// blank lines and lines that are not LXC keys.
    public static func lxcAssignment(_ line: Substring) -> (String, String)? {
        let trimmed = line.utf8.drop(while: { $0 == 0x20 || $0 == 0x09 })
        guard trimmed.starts(with: "lxc."), let equals = trimmed.firstIndex(of: UInt8(ascii: "=")) else { return nil }
        let key = trimmed[..<equals].trimmingBlanks
        let value = trimmed[trimmed.index(after: equals)...].trimmingBlanks
        return (String(Substring(key)), String(Substring(value)))
    }
}


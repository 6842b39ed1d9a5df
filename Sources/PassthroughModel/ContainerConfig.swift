/// What the hooks need from a container's configuration: its device entries
/// and its id map.
public struct ContainerConfig: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var key: DeviceKey
        public var value: String
        /// Where the entry was read, or what it is, for messages.
        private var place: String
        /// The line at `place`, or 0 when `place` says it all.
        private var line: Int

        public init(key: DeviceKey, value: String, origin: String) {
            self.key = key
            self.value = value
            self.place = origin
            self.line = 0
        }

        /// An entry read at `line` of `file`: `file:line` is made only when a
        /// message needs it (for every entry, it was about 5,600 instructions
        /// each in pre-start).
        public init(key: DeviceKey, value: String, file: String, line: Int) {
            self.key = key
            self.value = value
            self.place = file
            self.line = line
        }

        /// Where the entry was read, for messages: `file:line`.
        public var origin: String { line == 0 ? place : place + ":" + String(line) }

        /// Equal when they say the same, however their origin is kept.
        public static func == (left: Entry, right: Entry) -> Bool {
            left.key == right.key && left.value == right.value && left.origin == right.origin
        }
    }

    public var devices: [Entry] = []
    public var idMap = IDMap()

    public init(devices: [Entry] = [], idMap: IDMap = IDMap()) {
        self.devices = devices
        self.idMap = idMap
    }
}

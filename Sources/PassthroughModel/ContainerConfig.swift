/// What the hooks need from a container's configuration: its device entries
/// and its id map.
public struct ContainerConfig: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var key: DeviceKey
        public var value: String
        /// Where the entry was read, for messages: `file:line`.
        public var origin: String

        public init(key: DeviceKey, value: String, origin: String) {
            self.key = key
            self.value = value
            self.origin = origin
        }
    }

    public var devices: [Entry] = []
    public var idMap = IDMap()

    public init(devices: [Entry] = [], idMap: IDMap = IDMap()) {
        self.devices = devices
        self.idMap = idMap
    }
}

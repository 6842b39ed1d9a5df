/// One `devN` line of a config, read once: its key (nil when the name is
/// not `dev0` to `dev255`), where it is, its value as written, and the entry
/// it says or why it says none. Whoever reads the entries of a config reads
/// them through this, and either reports an entry's failure or passes over
/// it on purpose, saying why: none is dropped without a word in the code.
public struct ParsedEntry: Equatable, Sendable {
    public var key: DeviceKey?
    /// The name as written (`dev3`, or a name that is no device key).
    public var name: String
    /// The line's number in its file, from 1.
    public var lineNumber: Int
    public var value: String
    public var spec: Result<DeviceSpec, DeviceSpec.Failure>

    public init(key: DeviceKey?, name: String, lineNumber: Int, value: String) {
        self.key = key
        self.name = name
        self.lineNumber = lineNumber
        self.value = value
        do {
            spec = .success(try DeviceSpec.parse(value))
        } catch {
            spec = .failure(error)
        }
    }

    /// The entry, when the value parses.
    public var parsed: DeviceSpec? {
        guard case .success(let spec) = spec else { return nil }
        return spec
    }

    /// Why the value does not parse, when it does not.
    public var failure: DeviceSpec.Failure? {
        guard case .failure(let failure) = spec else { return nil }
        return failure
    }
}

extension ConfigDocument {
    /// The `devN` lines outside the managed block (`deviceLines`), each parsed once.
    public func parsedEntries() -> [ParsedEntry] {
        deviceLines().map { ParsedEntry(key: $0.key, name: $0.name, lineNumber: $0.lineNumber, value: $0.value) }
    }
}

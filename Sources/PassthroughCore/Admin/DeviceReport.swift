#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What a device path is on the host now.
public enum HostLookup: Equatable, Sendable {
    case device(HostDevice)
    case missing(String)
    case notADevice(String)

    /// `stat` following symlinks, as pre-start does.
    public static func live(_ path: String) -> HostLookup {
        do {
            let info = try FileSystem.status(path)
            guard let type = DeviceType(mode: info.st_mode) else {
                return .notADevice("is \(fileTypeName(mode: info.st_mode)) on the host, not a character or block device")
            }
            return .device(HostDevice(type: type, number: info.deviceNumber))
        } catch {
            return .missing("\(lookUpFailure(error.errno)) the device on the host: \(error)")
        }
    }
}

/// One row of `lxc-passthrough list`.
public struct DeviceReport: Equatable, Sendable {
    public enum Status: String, Sendable {
        case ready
        case missing
        case notADevice = "not a device"
        case ruleOutOfDate = "rule out of date"
        case invalid
    }

    public var key: String
    public var path: String
    public var type: DeviceType?
    public var number: DeviceNumber?
    public var mode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    public var hostUID: UInt32?
    public var hostGID: UInt32?
    public var denyWrite: Bool
    public var status: Status
    /// Why the status is not `ready`.
    public var problem: String?
}

/// The config side of device passthrough: what `list`, `check`, `sync`, `add`
/// and `remove` compute from a container's config. Host lookups come in
/// through `lookUp`, so the logic is tested without devices.
public struct Administration {
    public var container: ManagedContainer
    public var hierarchy: DeviceRule.Hierarchy
    public var lookUp: (String) -> HostLookup
    /// Reads files the config includes (and the config itself when it is not `document`).
    public var readFile: (String) throws -> ConfigReader.FileContent

    public static let defaultInclude = "/usr/share/lxc/config/passthrough.conf"

    public init(
        container: ManagedContainer, hierarchy: DeviceRule.Hierarchy = ActiveHierarchy.detect(),
        lookUp: @escaping (String) -> HostLookup = HostLookup.live,
        readFile: @escaping (String) throws -> ConfigReader.FileContent = ConfigLoader.content(of:)
    ) {
        self.container = container
        self.hierarchy = hierarchy
        self.lookUp = lookUp
        self.readFile = readFile
    }

    /// A reader that sees `document` as the container's config.
    func reader(for document: ConfigDocument) -> ConfigReader {
        let configPath = container.configPath, text = document.text, readFile = self.readFile
        return ConfigReader { path in path == configPath ? .text(text) : try readFile(path) }
    }

    func idMap(_ document: ConfigDocument) throws -> IDMap {
        try reader(for: document).idMap(configPath: container.configPath)
    }

    /// One report per `devN` line, in key order.
    public func reports(_ document: ConfigDocument) throws -> [DeviceReport] {
        let map = try idMap(document)
        let policy = DevicePolicy(hierarchy: hierarchy, rules: try reader(for: document).deviceRules(configPath: container.configPath, includingManagedBlock: true))
        var seen: [String: String] = [:]
        var keys: Set<DeviceKey> = []
        return document.deviceLines().sorted { ($0.key?.index ?? Int.max, $0.lineNumber) < ($1.key?.index ?? Int.max, $1.lineNumber) }.map { line in
            var report = DeviceReport(key: line.name, path: line.value, denyWrite: false, status: .invalid)
            guard let key = line.key else {
                report.problem = "'\(line.name)' is not a device key: use dev0 to dev255 (line \(line.lineNumber))"
                return report
            }
            guard keys.insert(key).inserted else {
                report.problem = "\(key) is given twice (again at line \(line.lineNumber))"
                return report
            }
            let spec: DeviceSpec
            do {
                spec = try DeviceSpec.parse(line.value)
            } catch {
                report.problem = "'\(line.value)': \(error)"
                return report
            }
            report.path = spec.path
            report.mode = spec.mode
            report.uid = spec.uid
            report.gid = spec.gid
            report.denyWrite = spec.denyWrite
            report.hostUID = map.hostID(for: spec.uid, kind: .user)
            report.hostGID = map.hostID(for: spec.gid, kind: .group)
            if let earlier = seen[spec.containerPath] {
                report.problem = "the same path is already passed through by \(earlier)"
                return report
            }
            seen[spec.containerPath] = "\(key)"
            if report.hostUID == nil {
                report.problem = "uid \(spec.uid) is not mapped to a host uid by the container's lxc.idmap"
                return report
            }
            if report.hostGID == nil {
                report.problem = "gid \(spec.gid) is not mapped to a host gid by the container's lxc.idmap"
                return report
            }
            let node = DevicePlanner.nodeOwnerAndMode(of: spec, hostUID: report.hostUID!, idMap: map)
            report.hostUID = node.uid
            report.mode = node.mode
            switch lookUp(spec.path) {
            case .missing(let why):
                report.status = .missing
                report.problem = why
            case .notADevice(let why):
                report.status = .notADevice
                report.problem = why
            case .device(let host):
                report.type = host.type
                report.number = host.number
                let device = RulePlanner.Device(type: host.type, number: host.number, denyWrite: spec.denyWrite)
                if RulePlanner.isSatisfied(device, by: policy) {
                    report.status = .ready
                } else {
                    report.status = .ruleOutOfDate
                    report.problem = "the container's device rules (\(hierarchy.rawValue)) do not give \(host.type.rawValue) \(host.number) "
                        + (spec.denyWrite ? "read-only access" : "read-write access") + ": run 'lxc-passthrough sync \(container.name)'"
                }
            }
            return report
        }
    }

    /// Every problem pre-start would find, one message each (`dev3 (/dev/x): ...`).
    public func problems(_ document: ConfigDocument) throws -> [String] {
        try reports(document).compactMap { report in
            guard report.status != .ready else { return nil }
            return "\(report.key) (\(report.path)): \(report.problem ?? report.status.rawValue)"
        }
    }
}

/// "cannot find" when the path is not there, "cannot look up" for any other
/// error (EACCES, ELOOP, EIO...), so that a message never says missing for a device that may be there.
func lookUpFailure(_ errno: Int32) -> String {
    errno == ENOENT || errno == ENOTDIR ? "cannot find" : "cannot look up"
}

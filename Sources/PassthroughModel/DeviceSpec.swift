/// One `devN` entry as the administrator wrote it, validated:
/// `path` (default key), `mode`, `uid`, `gid`, `deny-write` as Proxmox has
/// them, and two keys of ours that Proxmox's tools do not accept:
/// `required` (default 1) and `mp` (the path in the container).
public struct DeviceSpec: Equatable, Sendable {
    public static let defaultMode: UInt32 = 0o660
    static let keys: Set<String> = ["path", "mode", "uid", "gid", "deny-write", "required", "mp"]
    /// The keys Proxmox VE's own `devN` format does not have: `pct` refuses a config that uses them.
    public static let keysProxmoxRefuses = ["required", "mp"]

    /// The path as written; where the device is found on the host.
    public var path: String
    /// The permission bits given to the node (no file type, no setuid/setgid/sticky).
    public var mode: UInt32
    /// Owner as the container sees it.
    public var uid: UInt32
    public var gid: UInt32
    public var denyWrite: Bool
    /// `required=0`: a device absent at start does not stop the start; it is
    /// put in when it appears (by `lxc-passthrough watch`).
    public var required: Bool
    /// `mp=`: where the node appears in the container, when not at `path`.
    public var mountPath: String?

    public init(
        path: String, mode: UInt32 = DeviceSpec.defaultMode, uid: UInt32 = 0, gid: UInt32 = 0, denyWrite: Bool = false,
        required: Bool = true, mountPath: String? = nil
    ) {
        self.path = path
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.denyWrite = denyWrite
        self.required = required
        self.mountPath = mountPath
    }

    /// Where the node appears in the container: `mp` if given, else the
    /// host path, with repeated slashes collapsed.
    public var containerPath: String { DevicePath.normalized(mountPath ?? path) }

    /// The keys of ours (`required`, `mp`) this entry uses, which Proxmox's tools refuse.
    public var keysProxmoxRefuses: [String] {
        (required ? [] : ["required"]) + (mountPath == nil ? [] : ["mp"])
    }

    public enum Failure: Error, Equatable, Sendable {
        case syntax(PropertyString.Failure)
        case missingPath
        case invalidPath(String, reason: String)
        case invalidMountPath(String, reason: String)
        case invalidMode(String)
        case invalidID(key: String, text: String)
        /// An owner on the command line: neither an id nor a name (`Account`).
        case invalidAccount(AccountDatabase.Kind, text: String)
        case invalidBoolean(key: String, text: String)
    }

    /// Parses a `devN` value the way Proxmox does.
    public static func parse(_ text: String) throws(Failure) -> DeviceSpec {
        let pairs: [String: String]
        do {
            pairs = try PropertyString.parse(text, defaultKey: "path", allowedKeys: keys)
        } catch {
            throw .syntax(error)
        }
        guard let path = pairs["path"] else { throw .missingPath }
        if let reason = DevicePath.problem(path) { throw .invalidPath(path, reason: reason) }
        var spec = DeviceSpec(path: path)
        if let mode = pairs["mode"] { spec.mode = try NodeMode(mode).bits }
        if let uid = pairs["uid"] { spec.uid = try parseID(uid, key: "uid") }
        if let gid = pairs["gid"] { spec.gid = try parseID(gid, key: "gid") }
        if let flag = pairs["deny-write"] { spec.denyWrite = try BooleanSetting(flag, key: "deny-write").isOn }
        if let flag = pairs["required"] { spec.required = try BooleanSetting(flag, key: "required").isOn }
        if let mountPath = pairs["mp"] {
            if let reason = DevicePath.problem(mountPath) { throw .invalidMountPath(mountPath, reason: reason) }
            spec.mountPath = mountPath
        }
        return spec
    }

    /// A non-negative decimal integer that fits a `uid_t` other than the reserved -1.
    public static func parseID(_ text: String, key: String) throws(Failure) -> UInt32 {
        guard !text.isEmpty, text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let value = UInt32(text), value != UInt32.max
        else { throw .invalidID(key: key, text: text) }
        return value
    }
}

extension DeviceSpec.Failure: CustomStringConvertible {
    public var description: String {
        switch self {
        case .syntax(let failure): return failure.description
        case .missingPath: return "no device path given"
        case .invalidPath(let path, let reason): return "invalid device path '\(path)': \(reason)"
        case .invalidMountPath(let path, let reason): return "invalid mp '\(path)' (the path in the container): \(reason)"
        case .invalidMode(let text): return "invalid mode '\(text)': \(expectation ?? "")"
        case .invalidID(let key, let text), .invalidBoolean(let key, let text): return "invalid \(key) '\(text)': \(expectation ?? "")"
        case .invalidAccount(let kind, let text): return "invalid \(kind.key) '\(text)': \(expectation ?? "")"
        }
    }

    /// What a refused value should have been, for the refusals of one
    /// value ("expected 0 and three octal digits, ..."); nil for the others.
    /// The command line says it after the option it names.
    public var expectation: String? {
        switch self {
        case .syntax, .missingPath, .invalidPath, .invalidMountPath: return nil
        case .invalidMode: return "expected 0 and three octal digits, such as 0660 (no setuid, setgid or sticky bits)"
        case .invalidID: return "expected an integer from 0 to 4294967294"
        case .invalidAccount(let kind, _): return "expected an integer from 0 to 4294967294, or a \(kind.noun) name of the container"
        case .invalidBoolean: return "expected 1, on, yes, true, 0, off, no or false"
        }
    }
}

extension DeviceSpec {
    /// A `devN` value with only the options given: `/dev/ttyUSB0,mode=0600,uid=1000`.
    public static func entryValue(
        path: String, mode: UInt32?, uid: UInt32?, gid: UInt32?, denyWrite: Bool, required: Bool = true, mountPath: String? = nil
    ) -> String {
        var value = path
        if let mode { value += ",mode=\(octal(mode))" }
        if let uid { value += ",uid=\(uid)" }
        if let gid { value += ",gid=\(gid)" }
        if denyWrite { value += ",deny-write=1" }
        if !required { value += ",required=0" }
        if let mountPath { value += ",mp=\(mountPath)" }
        return value
    }
}

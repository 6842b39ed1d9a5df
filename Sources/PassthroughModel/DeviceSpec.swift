/// One `devN` entry as the administrator wrote it, validated: which device
/// (`selector`) and how its nodes are made (`options`).
///
/// A path entry has `path` (default key), `mode`, `uid`, `gid`, `deny-write`
/// as Proxmox has them, and two keys of ours that Proxmox's tools do not
/// accept: `required` (default 1) and `mp` (the path in the container).
///
/// A USB entry selects the device by what it is, with keys of ours too:
/// `usb=VVVV:PPPP[;VVVV:PPPP...]`, `serial=`, `usb-port=` (at least `usb` or
/// `usb-port`), and `nodes=usb|all`, with the same node options but `mp`:
/// `usb=1a6e:089a;18d1:9302,usb-port=1-2.3,nodes=all,mode=0660,gid=20`.
/// Its nodes go at the paths udev gives them on the host, so it has no `path`
/// and no `mp`.
public struct DeviceSpec: Hashable, Sendable {
    public static let defaultMode = NodeOptions.defaultMode
    /// The keys Proxmox VE's own `devN` format does not have: `pct` refuses a config that uses them.
    public static let keysProxmoxRefuses = ["required", "mp", "uevent"] + DeviceSelector.usbKeys

    public var selector: DeviceSelector
    public var options: NodeOptions

    public init(selector: DeviceSelector, options: NodeOptions = NodeOptions()) {
        self.selector = selector
        self.options = options
    }

    /// A path entry.
    public init(
        path: String, mode: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil, denyWrite: Bool = false,
        required: Bool = true, mountPath: String? = nil
    ) {
        self.init(
            selector: .path(path),
            options: NodeOptions(mode: mode, uid: uid, gid: gid, denyWrite: denyWrite, required: required, mountPath: mountPath))
    }

    /// The path as written, for a path entry (where the device is found on
    /// the host); nil for a USB entry.
    public var path: String? {
        guard case .path(let path) = selector else { return nil }
        return path
    }

    /// The permission bits given to the node (no file type, no setuid/setgid/sticky).
    public var mode: UInt32 { options.nodeMode }
    /// Owner as the container sees it.
    public var uid: UInt32 { options.nodeUID }
    public var gid: UInt32 { options.nodeGID }
    public var denyWrite: Bool { options.denyWrite }
    public var required: Bool { options.required }
    /// `mp=`: where the node appears in the container, when not at `path`.
    public var mountPath: String? { options.mountPath }

    /// Where the node appears in the container for a path entry: `mp` if
    /// given, else the host path, with repeated slashes collapsed. Nil for a
    /// USB entry, whose nodes are only known once the device is found.
    public var containerPath: String? { path.map { DevicePath.normalized(mountPath ?? $0) } }

    /// `dev3 (/dev/ttyUSB0)`, `dev3 (usb 1a6e:089a port 1-2)`, for messages.
    public func label(_ key: DeviceKey) -> String { "\(key) (\(selector))" }

    /// The keys of ours this entry uses, which Proxmox's tools refuse.
    public var keysProxmoxRefuses: [String] {
        var keys: [String] = []
        if !required { keys.append("required") }
        if mountPath != nil { keys.append("mp") }
        if !options.uevents { keys.append("uevent") }
        if case .usb(let usb, let nodes) = selector {
            if !usb.identities.isEmpty { keys.append("usb") }
            if usb.serial != nil { keys.append("serial") }
            if usb.port != nil { keys.append("usb-port") }
            if nodes != .usb { keys.append("nodes") }
        }
        return keys
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
        /// `path` or `mp` (`pathKeys`) with USB keys (`usbKeys`), in the order of `DeviceSelector.usbKeys`.
        case pathWithUSB(pathKeys: [String], usbKeys: [String])
        /// The value of `usb`, `serial` or `usb-port` is refused.
        case invalidUSB(key: String, text: String, USBSelector.Failure)
        /// USB keys (`serial`, `nodes`) without `usb` or `usb-port`.
        case noUSBIdentityOrPort(keys: [String])
        /// `nodes=` is neither `usb` nor `all`.
        case invalidNodes(String)
    }

    /// A `devN` value's pairs: the value of each key, or nil when not given.
    struct Pairs {
        /// Every key a `devN` value may have; `Key`'s raw values are indexes here.
        static let names = ["path"] + DeviceSelector.usbKeys + ["mode", "uid", "gid", "deny-write", "required", "mp", "uevent"]
        enum Key: Int {
            case path, usb, serial, usbPort, nodes, mode, uid, gid, denyWrite, required, mp, uevent
        }

        var values: PropertyString.Values

        subscript(key: Key) -> String? { values[key.rawValue] }
        /// By name, for the keys named in messages.
        subscript(name name: String) -> String? { Pairs.names.firstIndex(of: name).flatMap { values[$0] } }
    }

    /// Parses a `devN` value the way Proxmox does.
    public static func parse(_ text: String) throws(Failure) -> DeviceSpec {
        let pairs: Pairs
        do {
            pairs = Pairs(values: try PropertyString.parse(text, keys: Pairs.names, defaultKey: Pairs.Key.path.rawValue))
        } catch {
            throw .syntax(error)
        }
        let selector = try parseSelector(pairs)
        return DeviceSpec(selector: selector, options: try NodeOptions.parse(pairs))
    }

    /// The selector from the pairs: a path, or a USB device.
    static func parseSelector(_ pairs: Pairs) throws(Failure) -> DeviceSelector {
        guard pairs[.usb] != nil || pairs[.serial] != nil || pairs[.usbPort] != nil || pairs[.nodes] != nil else {
            guard let path = pairs[.path] else { throw .missingPath }
            if let reason = DevicePath.problem(path) { throw .invalidPath(path, reason: reason) }
            return .path(path)
        }
        let usbKeys = DeviceSelector.usbKeys.filter { pairs[name: $0] != nil }
        let pathKeys = ["path", "mp"].filter { pairs[name: $0] != nil }
        guard pathKeys.isEmpty else { throw .pathWithUSB(pathKeys: pathKeys, usbKeys: usbKeys) }
        guard pairs[.usb] != nil || pairs[.usbPort] != nil else { throw .noUSBIdentityOrPort(keys: usbKeys) }
        var nodes = USBNodes.usb
        if let text = pairs[.nodes] {
            guard let given = USBNodes(rawValue: text) else { throw .invalidNodes(text) }
            nodes = given
        }
        do {
            return .usb(try USBSelector.parse(identities: pairs[.usb], serial: pairs[.serial], port: pairs[.usbPort]), nodes: nodes)
        } catch {
            // Each refusal is of one key's value.
            let key: String
            switch error {
            case .invalidIdentity, .repeatedIdentity: key = "usb"
            case .invalidSerial: key = "serial"
            case .invalidPort: key = "usb-port"
            case .noIdentityOrPort: throw .noUSBIdentityOrPort(keys: usbKeys)
            }
            throw .invalidUSB(key: key, text: pairs[name: key] ?? "", error)
        }
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
        case .pathWithUSB(let pathKeys, let usbKeys):
            return "\(DeviceSpec.quoted(pathKeys)) cannot be combined with \(DeviceSpec.quoted(usbKeys)): an entry selects a device by its path "
                + "or as a USB device, and a USB device's nodes go at the paths udev gives them"
        case .invalidUSB(let key, let text, let failure): return "invalid \(key) '\(OctalEscape.escapeForTerminal(text))': \(failure)"
        case .noUSBIdentityOrPort(let keys):
            return "\(DeviceSpec.quoted(keys)) without 'usb' or 'usb-port': a USB device is selected by vendor:product (usb=) or by port (usb-port=); a serial alone is not enough"
        case .invalidNodes(let text): return "invalid nodes '\(OctalEscape.escapeForTerminal(text))': \(expectation ?? "")"
        }
    }

    /// What a refused value should have been, for the refusals of one
    /// value ("expected 0 and three octal digits, ..."); nil for the others.
    /// The command line says it after the option it names.
    public var expectation: String? {
        switch self {
        case .syntax, .missingPath, .invalidPath, .invalidMountPath, .pathWithUSB, .invalidUSB, .noUSBIdentityOrPort: return nil
        case .invalidMode: return "expected 0 and three octal digits, such as 0660 (no setuid, setgid or sticky bits)"
        case .invalidID: return "expected an integer from 0 to 4294967294"
        case .invalidAccount(let kind, _): return "expected an integer from 0 to 4294967294, or a \(kind.noun) name of the container"
        case .invalidBoolean: return "expected 1, on, yes, true, 0, off, no or false"
        case .invalidNodes: return "expected usb (the device's own /dev/bus/usb node) or all (every node below the device in sysfs)"
        }
    }
}

extension DeviceSpec {
    /// The entry's `devN` value, with only the options given:
    /// `/dev/ttyUSB0,mode=0600,uid=1000`, `usb=1a6e:089a;18d1:9302,nodes=all`.
    /// `parse` reads it back as this entry. (A property string has no
    /// escaping: a path or serial with a comma cannot be written, and `parse`
    /// reads such a value otherwise; writers check it with `parse`.)
    public var entryValue: String {
        var items: [String] = []
        switch selector {
        // Without its key, a path with '=' would be read as a key of its own.
        case .path(let path): items.append(path.utf8.contains(UInt8(ascii: "=")) ? "path=\(path)" : path)
        case .usb(let usb, let nodes):
            if !usb.identities.isEmpty { items.append("usb=" + usb.identities.map(\.description).joined(separator: ";")) }
            if let serial = usb.serial { items.append("serial=\(serial)") }
            if let port = usb.port { items.append("usb-port=\(port)") }
            if nodes != .usb { items.append("nodes=\(nodes.rawValue)") }
        }
        return (items + options.entryItems).joined(separator: ",")
    }

    /// Why `entryValue` cannot say this entry, if it cannot: a value with a
    /// comma (a property string has no escaping), which only an entry made
    /// in code may hold (`parse` splits at every comma).
    public var writingProblem: String? {
        var values: [(key: String, text: String)] = []
        switch selector {
        case .path(let path): values.append(("path", path))
        case .usb(let usb, _): if let serial = usb.serial { values.append(("serial", serial)) }
        }
        if let mountPath { values.append(("mp", mountPath)) }
        guard let comma = values.first(where: { $0.text.utf8.contains(UInt8(ascii: ",")) }) else { return nil }
        return "\(comma.key) '\(OctalEscape.escapeForTerminal(comma.text))' holds a ',', which a devN value cannot hold (it has no escaping)"
    }

    /// `'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`.
    public static func quoted(_ keys: [String]) -> String {
        let quoted = keys.map { "'\($0)'" }
        guard quoted.count > 1 else { return quoted.first ?? "" }
        return quoted.dropLast().joined(separator: ", ") + " and " + quoted.last!
    }
}

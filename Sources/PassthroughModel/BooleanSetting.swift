/// A yes-or-no value as Proxmox reads one (`deny-write=1`, `required=no`,
/// `--required 0`): 1, on, yes or true; 0, off, no or false; in any case.
public struct BooleanSetting: Equatable, Hashable, Sendable {
    public let isOn: Bool

    /// `key` only words a refusal.
    public init(_ text: String, key: String) throws(DeviceSpec.Failure) {
        switch text.lowercased() {
        case "1", "on", "yes", "true": isOn = true
        case "0", "off", "no", "false": isOn = false
        default: throw .invalidBoolean(key: key, text: text)
        }
    }
}

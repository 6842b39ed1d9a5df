/// What a device path is on the host now: what `lxc-passthrough` shows and
/// pre-start refuses on, with the reason in the words pre-start uses.
public enum HostLookup: Equatable, Sendable {
    case device(HostDevice)
    /// Not there, or it cannot be looked up: `cannot find the device on the host: stat ...`.
    case missing(String)
    /// `is a directory on the host, not a character or block device`.
    case notADevice(String)
}

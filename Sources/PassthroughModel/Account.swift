/// A node's owner or group as the command line names it (`--uid 1000`,
/// `--gid render`): a number, taken as it is, or a name, which is looked up
/// in the container's own `/etc/passwd` or `/etc/group`. An entry always
/// holds the number: Proxmox's syntax has no names.
public enum Account: Equatable, Hashable, Sendable {
    case id(UInt32)
    case name(String)

    /// Digits are a number, which must fit an id (`DeviceSpec.parseID`);
    /// anything else but nothing is a name (`AccountDatabase.isName`).
    /// `kind` only words a refusal.
    public init(_ text: String, kind: AccountDatabase.Kind) throws(DeviceSpec.Failure) {
        guard AccountDatabase.isName(text) else {
            do {
                self = .id(try DeviceSpec.parseID(text, key: kind.key))
            } catch {
                // The refusal of the command line's value names the account, not an entry's key.
                throw .invalidAccount(kind, text: text)
            }
            return
        }
        self = .name(text)
    }
}

/// The version of the hooks and of lxc-passthrough: the one place it is
/// written (packaging/build-deb.sh reads it from here).
public enum PassthroughVersion {
    public static let current = "0.8.0"
}

/// The post-stop hook: unmounts the device tmpfs and removes its directory,
/// so a reboot or a monitor without its own mount namespace leaves nothing behind.
public enum Poststop {
    /// Returns the message a failed autodev hook left, for reporting: post-stop
    /// runs in the monitor, as host root, even when autodev failed.
    @discardableResult
    public static func run(_ context: HookContext) throws(HookFailure) -> String? {
        let directory = PassthroughDirectory(containerDirectory: context.containerDirectory)
        let autodevError = directory.autodevError()
        try directory.clear()
        return autodevError
    }
}

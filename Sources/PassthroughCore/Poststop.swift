/// The post-stop hook: unmounts the device tmpfs and removes its directory,
/// so a reboot or a monitor without its own mount namespace leaves nothing behind.
public enum Poststop {
    public static func run(_ context: HookContext) throws(HookFailure) {
        try PassthroughDirectory(containerDirectory: context.containerDirectory).clear()
    }
}

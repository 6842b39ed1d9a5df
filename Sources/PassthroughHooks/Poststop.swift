import PassthroughModel

/// The post-stop hook: unmounts the device tmpfs and removes its directory,
/// so a reboot or a monitor without its own mount namespace leaves nothing behind.
public enum Poststop {
    /// What `pve-poststop-hook` runs: clears the tmpfs and delivers what a
    /// failed autodev hook left to lxc-start's terminal and log.
    public static func hook(_ context: HookContext) throws(HookFailure) -> String? {
        if let autodevError = try run(context) {
            MonitorReport.deliver(
                program: "pve-autodev-hook", containerName: context.containerName, configFile: context.configFile,
                message: "container '\(context.containerName)': \(autodevError)")
        }
        return nil
    }

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

import PassthroughModel
import PassthroughSystem

/// The post-stop hook: unmounts the device tmpfs and removes its directory,
/// so a reboot or a monitor without its own mount namespace leaves nothing
/// behind, and removes the host's records of what the container was given
/// and of which processes it was.
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
    /// runs in the monitor, as host root, even when autodev failed. The file
    /// belongs to the container's root, who may have written anything: its
    /// control characters are escaped.
    @discardableResult
    public static func run(_ context: HookContext, records: GrantRecordStore = GrantRecordStore()) throws(HookFailure) -> String? {
        let directory = PassthroughDirectory(containerDirectory: context.containerDirectory)
        let autodevError = directory.autodevError().map(OctalEscape.escapeForTerminal)
        try directory.clear()
        // Best effort: a record left behind is told from the next run's by its time.
        if let container = try? FileSystem.status(context.containerDirectory) {
            try? records.removeRun(for: container)
            try? records.remove(for: container)
        }
        return autodevError
    }
}

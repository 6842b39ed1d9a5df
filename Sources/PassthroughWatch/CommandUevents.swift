import PassthroughAdmin
import PassthroughModel

/// What `attach` and `detach` tell a running container of the nodes they
/// gave or took, as the watcher tells it (`UeventTeller`): a kernel-format
/// uevent into its network namespace, only where the kernel's own events do
/// not reach (an unprivileged container). Described from sysfs now: a USB
/// node where its entry found it (`sysfsDirectories`, by container path),
/// any other through its number.
public enum CommandUevents {
    /// One line for each node the container could not be told of, with its name.
    public static func tell(
        given: [GrantRecord.Grant], taken: [GrantRecord.Grant], running: RunningContainer, sysfsDirectories: [String: String] = [:]
    ) -> [String] {
        var followUp = ReconcileFollowUp()
        followUp.running = running
        followUp.given = given
        followUp.taken = taken
        followUp.usbNodeDirectories = sysfsDirectories
        return UeventTeller().tell(followUp, container: running.container).map { "\(running.name): \($0)" }
    }
}

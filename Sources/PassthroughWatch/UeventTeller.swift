import PassthroughAdmin
import PassthroughContainerEntry
import PassthroughModel
import PassthroughSystem

/// Tells a container the kernel's own uevents do not reach (an
/// unprivileged one: its network namespace is its user namespace's) of each
/// node the watcher gives it or takes back, as the kernel tells of a device
/// plugged in or out (`UeventInjection`): udev, libusb's hotplug and the
/// discovery of Home Assistant or Frigate inside hear of it. A privileged
/// container hears the kernel's own events, and is sent nothing.
///
/// What sysfs says of a device is read when it is given and kept until it
/// is taken back: by then it is often unplugged, and gone from sysfs.
final class UeventTeller {
    let sysfs: SysfsRoot
    private var known: [String: [Device: SysfsDevice]] = [:]
    /// Whether the kernel's events reach a container, by its directory, for its init (pid).
    private var reached: [String: (pid: Int32, reached: Bool)] = [:]

    struct Device: Hashable {
        var type: DeviceType
        var number: DeviceNumber
    }

    init(sysfs: SysfsRoot = SysfsRoot()) {
        self.sysfs = sysfs
    }

    /// Tells the running container of what a look took back and gave; one
    /// line for each that could not be told, without the container's name.
    ///
    /// A device the host's record says the container holds and that was not
    /// read yet (pre-start gave it) is read from sysfs now, while it is
    /// there, so that its removal can be told: for every container, since
    /// whether one is privileged is known only once its init runs.
    func tell(_ followUp: ReconcileFollowUp, container: ManagedContainer) -> [String] {
        let directory = container.directory
        // Read whether or not the container runs yet: pre-start's record is seen before its init runs,
        // and nothing may come to look again before the device is unplugged.
        let given = Set(followUp.given.map { Device(type: $0.type, number: $0.number) })
        for grant in followUp.recorded where !given.contains(Device(type: grant.type, number: grant.number)) {
            let device = Device(type: grant.type, number: grant.number)
            guard known[directory]?[device] == nil, let described = try? describe(grant, followUp.usbNodeDirectories) else { continue }
            known[directory, default: [:]][device] = described
        }
        // An entry that says uevent=0 is told of neither way.
        let toTell = { (grant: GrantRecord.Grant) in grant.key.map { !followUp.untold.contains($0) } ?? true }
        let (toGive, toTake) = (followUp.given.filter(toTell), followUp.taken.filter(toTell))
        guard let running = followUp.running, !toGive.isEmpty || !toTake.isEmpty else { return [] }
        var lines: [String] = []
        do throws(SystemError) {
            if reached[directory]?.pid != running.pid {
                reached[directory] = (running.pid, try UeventInjection.kernelEventsReach(pid: running.pid))
            }
        } catch {
            return ["cannot tell whether the kernel's uevents reach the container: \(error); it is not told of its devices"]
        }
        guard running.isAlive, reached[directory]?.reached == false else { return [] }
        for grant in toTake {
            let device = Device(type: grant.type, number: grant.number)
            // Known since it was given, or still there (its path names another device now).
            guard let described = known[directory]?.removeValue(forKey: device) ?? (try? describe(grant, followUp.usbNodeDirectories)) ?? nil else {
                lines.append("\(OctalEscape.escapeForTerminal(grant.containerPath)): the container is not told it was taken back "
                    + "(\(grant.type.rawValue) \(grant.number) was given before the watcher read it from sysfs, and is gone from there)")
                continue
            }
            lines += send(described.message(.remove, at: grant.containerPath), running, grant)
        }
        for grant in toGive {
            let described: SysfsDevice
            do throws(SysfsError) {
                guard let found = try describe(grant, followUp.usbNodeDirectories) else {
                    lines.append("\(OctalEscape.escapeForTerminal(grant.containerPath)): the container is not told it was given "
                        + "(\(grant.type.rawValue) \(grant.number) is gone from sysfs already)")
                    continue
                }
                described = found
            } catch {
                lines.append("\(OctalEscape.escapeForTerminal(grant.containerPath)): the container is not told it was given: \(error)")
                continue
            }
            known[directory, default: [:]][Device(type: grant.type, number: grant.number)] = described
            lines += send(described.message(.add, at: grant.containerPath), running, grant)
        }
        return lines
    }

    /// What sysfs says of the device of `grant`: a USB entry's node where its
    /// entry found it in this look (`directories`, by container path), else
    /// through its number (`dev/char`, `dev/block`).
    private func describe(_ grant: GrantRecord.Grant, _ directories: [String: String]) throws(SysfsError) -> SysfsDevice? {
        if let directory = directories[grant.containerPath], let found = try? sysfs.device(inDirectory: directory, grant.type, grant.number) {
            return found
        }
        return try sysfs.device(grant.type, grant.number)
    }

    private func send(_ message: UeventMessage, _ running: RunningContainer, _ grant: GrantRecord.Grant) -> [String] {
        do throws(UeventInjection.InjectionError) {
            try UeventInjection.send(message, into: running.pidfd, describedAs: "container '\(running.name)'")
            return []
        } catch {
            return ["\(OctalEscape.escapeForTerminal(grant.containerPath)): the container is not told (\(message.action.rawValue)): \(error)"]
        }
    }

    /// Drops what is kept of a container that is gone.
    func forget(_ container: ManagedContainer) {
        known[container.directory] = nil
        reached[container.directory] = nil
    }

    func compact() {
        known = known.compacted()
        reached = reached.compacted()
    }
}

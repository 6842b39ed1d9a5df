import Glibc
import PassthroughModel
import PassthroughSystem

/// Whether a container runs, and which processes are its monitor and init,
/// decided from root-owned host state only: the record its start-host hook
/// wrote (`RunRecord`, in the root-only records' directory), checked against
/// `/proc` and held as process descriptors. Never from LXC's command socket,
/// an abstract name any local user can bind while the container is stopped.
enum ContainerProcesses {
    static func state(of container: ManagedContainer, records: GrantRecordStore = GrantRecordStore()) throws(AdminError) -> ContainerState {
        let directory: stat
        do throws(SystemError) {
            directory = try FileSystem.status(container.directory)
        } catch {
            throw AdminError("cannot look at container '\(container.name)''s directory: \(error)")
        }
        let run: RunRecord?
        do {
            run = try records.readRun(for: directory)
        } catch {
            throw AdminError("cannot read the host's record of container '\(container.name)''s processes: \(error)")
        }
        guard let run else {
            // Grants, but no record of processes: a start by lxc-passthrough 0.5.0 or earlier (pre-start writes one
            // now, post-stop removes both), unless the grants are older than the directory (an earlier container's,
            // whose directory's inode this one got).
            guard let grants = try? records.read(for: directory), !ContainerProcesses.isOlder(grants, than: container.directory) else {
                return .notRunning(lxcState: "STOPPED")
            }
            return .unverified
        }
        guard let monitor = try? verified(run.monitor) else {
            // The monitor is gone (or its pid is another's): this run ended.
            return .notRunning(lxcState: "STOPPED")
        }
        guard let recordedInit = run.initProcess else {
            // Pre-start recorded the monitor; start-host has not recorded its init yet.
            return .notRunning(lxcState: "STARTING")
        }
        guard let initProcess = try? verified(recordedInit) else { return .notRunning(lxcState: "STOPPED") }
        let lookAt = { (error: SystemError) in AdminError("cannot look at container '\(container.name)''s init process: \(error)") }
        let (parent, initExecutable, monitorExecutable, idMap) = try translatingErrors({ () throws(SystemError) in
            let pid = String(recordedInit.pid)
            let parent = try ProcessStatus.read(pid).parent
            // Init is the monitor's clone until it runs the container's init: until then the container is starting.
            let initExecutable = try FileSystem.readLink("/proc/\(pid)/exe")
            let monitorExecutable = try FileSystem.readLink("/proc/\(run.monitor.pid)/exe")
            let uidMap = try FileSystem.readFile("/proc/\(pid)/uid_map", limit: 1 << 16)
            let gidMap = try FileSystem.readFile("/proc/\(pid)/gid_map", limit: 1 << 16)
            return (parent, initExecutable, monitorExecutable, IDMap(uidMap: uidMap, gidMap: gidMap))
        }, lookAt)
        // Both still the processes recorded (a pidfd's pid is never another's): what was read is theirs.
        guard (try? initProcess.processID()) == recordedInit.pid, (try? monitor.processID()) == run.monitor.pid else {
            return .notRunning(lxcState: "STOPPED")
        }
        guard parent == run.monitor.pid else {
            throw AdminError("container '\(container.name)''s recorded init (pid \(recordedInit.pid)) is not its monitor's child: not acted on")
        }
        guard initExecutable != monitorExecutable else { return .notRunning(lxcState: "STARTING") }
        guard let idMap else {
            throw AdminError("cannot read container '\(container.name)''s id map (/proc/\(recordedInit.pid)/uid_map)")
        }
        return .running(RunningContainer(
            container: container, pid: recordedInit.pid, pidfd: initProcess, idMap: idMap, monitor: run.monitor, monitorPidfd: monitor,
            devices: run.devices))
    }

    /// Whether the record was made before the directory was (its birth time,
    /// or its last status change where the file system keeps no birth time).
    static func isOlder(_ record: GrantRecord, than directory: String) -> Bool {
        guard let born = try? FileSystem.birthTime(directory) else { return false }
        var realtime = timespec(), boottime = timespec()
        clock_gettime(CLOCK_REALTIME, &realtime)
        clock_gettime(CLOCK_BOOTTIME, &boottime)
        let nanoseconds = { (time: timespec) in Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec) }
        let madeAt = Int64(clamping: record.madeAt) + nanoseconds(realtime) - nanoseconds(boottime)
        return madeAt < born
    }

    /// A descriptor of the recorded process, when it is still that process
    /// (same start), read after the descriptor was opened: a pid reused since
    /// has another start, and the descriptor keeps naming this one.
    static func verified(_ process: RunRecord.Process) throws(SystemError) -> FileDescriptor {
        let pidfd = try FileDescriptor.process(process.pid)
        guard try ProcessStatus.read(String(process.pid)).startedAt == process.startedAt else {
            throw SystemError(call: "pidfd_open", path: "pid \(process.pid) (started at another time: not the recorded process)", errno: ESRCH)
        }
        return pidfd
    }

    /// Whether the monitor holds the listening socket liblxc's commands for
    /// this container go to (its abstract name, `CommandSocketName`), in
    /// this process's network namespace. While it holds the name nobody
    /// else can bind it, so a command sent there reaches the monitor.
    static func monitorHoldsCommandSocket(_ running: RunningContainer) throws(AdminError) -> Bool {
        let expected = CommandSocketName.of(container: running.container.name, lxcPath: running.container.lxcPath)
        let monitor = running.monitor.pid
        let failed = { (error: SystemError) in AdminError("cannot check container '\(running.name)''s monitor (pid \(monitor)): \(error)") }
        return try translatingErrors({ () throws(SystemError) -> Bool in
            let ours = try FileSystem.status("/proc/self/ns/net")
            let theirs = try FileSystem.status("/proc/\(monitor)/ns/net")
            guard ours.st_ino == theirs.st_ino, ours.st_dev == theirs.st_dev else { return false }
            let descriptors = try FileDescriptor.open("/proc/\(monitor)/fd", flags: O_RDONLY | O_DIRECTORY)
            for entry in try descriptors.directoryEntries() {
                guard let number = Int32(entry), (try? FileSystem.readLink("/proc/\(monitor)/fd/\(entry)"))?.hasPrefix("socket:") == true,
                      let socket = try? running.monitorPidfd.duplicate(processDescriptor: number, describedAs: "the monitor's descriptor \(number)")
                else { continue }
                if socket.listeningAbstractName() == expected { return true }
            }
            return false
        }, failed)
    }
}

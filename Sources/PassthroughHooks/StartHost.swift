import Glibc
import PassthroughModel
import PassthroughSystem

/// The start-host hook (`pve-prestart-hook` run as `lxc.hook.start-host`):
/// on the host, as real root, run by the container's monitor once the
/// container is set up and before its init runs. It records which processes
/// the container is, its monitor and its init (`LXC_PID`), in the host's
/// root-only records (`RunRecord`): what lxc-passthrough later believes of
/// the container, instead of what its command socket answers. Where device
/// rules are cgroup v1 files, it records the init's devices cgroup too (the
/// container has run nothing yet, so it is LXC's choice): lxc-passthrough
/// writes rules there directly. When that cannot be found, none is
/// recorded, and rules go through liblxc as before.
public enum StartHost {
    public static func hook(_ context: HookContext) throws(HookFailure) -> HookReport {
        try run(context, initPID: getenv("LXC_PID").map { String(cString: $0) })
        return HookReport(summary: nil)
    }

    @discardableResult
    public static func run(
        _ context: HookContext, initPID text: String?, ancestor: String = "self", records: GrantRecordStore = GrantRecordStore(),
        devicesCgroup: (Int32) -> RunRecord.CgroupDirectory? = { try? CgroupDeviceFiles.find(pid: $0) }
    ) throws(HookFailure) -> RunRecord {
        guard let text, let pid = Int32(text), pid > 1 else {
            throw HookFailure("LXC_PID is \(text.map { "'\(OctalEscape.escapeForTerminal($0))'" } ?? "not set"): "
                + "the start-host hook needs the container's init as the host sees it")
        }
        var record = try translatingErrors({ () throws(SystemError) -> RunRecord in
            let initStatus = try ProcessStatus.read(String(pid))
            let monitorStatus = try ProcessStatus.read(String(initStatus.parent))
            return RunRecord(
                monitor: RunRecord.Process(pid: initStatus.parent, startedAt: monitorStatus.startedAt),
                initProcess: RunRecord.Process(pid: pid, startedAt: initStatus.startedAt))
        }, { HookFailure("cannot look at the container's init (LXC_PID \(pid)): \($0)") })
        // The init's parent must be the monitor that runs this hook (through sh): LXC_PID names this start's init.
        guard isAncestor(record.monitor.pid, of: ancestor) else {
            throw HookFailure("LXC_PID \(pid) is not a child of the monitor running this hook: not this container's init")
        }
        record.devices = devicesCgroup(pid)
        do {
            try records.writeRun(record, for: try translatingErrors({ () throws(SystemError) in
                try FileSystem.status(context.containerDirectory)
            }, GrantRecordStore.Failure.system))
        } catch {
            throw HookFailure("cannot record the container's processes: \(error)")
        }
        return record
    }

    /// Whether `pid` is among the first four ancestors of process `start`.
    static func isAncestor(_ pid: Int32, of start: String) -> Bool {
        var current = start
        for _ in 0..<4 {
            guard let parent = try? ProcessStatus.read(current).parent, parent > 0 else { return false }
            if parent == pid { return true }
            current = String(parent)
        }
        return false
    }
}

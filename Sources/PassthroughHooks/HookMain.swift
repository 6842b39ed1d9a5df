import Glibc
import PassthroughModel
import PassthroughSystem

/// What the hook executables share: read the context, run, report.
///
/// A failure is printed on stdout and stderr (LXC logs both at DEBUG), passed
/// to `lxc-start`'s terminal and log file (see `MonitorReport`), and exits 1
/// so LXC aborts the start.
/// A call without LXC's environment prints usage and exits 2.
public enum HookMain {
    /// A hook whose only output is its summary line.
    public static func run(
        program: String, type: String, needsRootfs: Bool = false, reportsToMonitor: Bool = true,
        invocation: HookInvocation = .current(), _ body: (HookContext) throws(HookFailure) -> String?
    ) -> Never {
        run(program: program, type: type, needsRootfs: needsRootfs, reportsToMonitor: reportsToMonitor, invocation: invocation) {
            (context: HookContext) throws(HookFailure) -> HookReport in HookReport(summary: try body(context))
        }
    }

    /// Warnings go where errors go (stdout for LXC's DEBUG log, and to the
    /// monitor's terminal and log file, as WARN), and do not stop the start.
    public static func run(
        program: String, type: String, needsRootfs: Bool = false, reportsToMonitor: Bool = true,
        invocation: HookInvocation = .current(), _ body: (HookContext) throws(HookFailure) -> HookReport
    ) -> Never {
        switch invocation.request {
        case .version:
            StandardStream.output.write("\(program) \(PassthroughVersion.current)\n")
            exit(0)
        case .help:
            StandardStream.output.write(usage(program: program, type: type))
            exit(0)
        case .run:
            break
        }
        let context: HookContext
        do {
            context = try HookContext(type: type, invocation: invocation, needsRootfs: needsRootfs)
        } catch {
            report(program: program, "\(error)")
            StandardStream.error.write(usage(program: program, type: type))
            exit(2)
        }
        do {
            let outcome = try body(context)
            // What the hook kept (`HookReport.kept`) lives until the exit.
            withExtendedLifetime(outcome) { () -> Never in
                for warning in outcome.warnings {
                    let message = "container '\(context.containerName)': \(warning)"
                    StandardStream.output.write("\(program): warning: \(message)\n")
                    if reportsToMonitor {
                        MonitorReport.deliver(program: program, containerName: context.containerName, configFile: context.configFile,
                                              message: message, level: .warning)
                    }
                }
                if !outcome.summary.isEmpty {
                    StandardStream.output.write("\(program): container '\(context.containerName)': \(outcome.summary)\n")
                }
                exit(0)
            }
        } catch {
            let message = "container '\(context.containerName)': \(error)"
            report(program: program, message)
            guard reportsToMonitor else { exit(1) }
            MonitorReport.deliver(program: program, containerName: context.containerName, configFile: context.configFile, message: message)
            exit(1)
        }
    }

    static func usage(program: String, type: String) -> String {
        """
        usage: \(program) (run by LXC as lxc.hook.\(type); see passthrough.conf)
               \(program) --version | --help

        LXC runs it with LXC_NAME, LXC_CONFIG_FILE and LXC_ROOTFS_MOUNT set and,
        for hook version 0, the arguments NAME lxc \(type). It passes the host
        devices named by the container's devN entries into the container (man 8
        pve-prestart-hook). Exit status: 0 done, 1 the start must not go on (the
        message names the device and the cause), 2 not run by LXC.

        """
    }

    static func report(program: String, _ message: String) {
        let text = "\(program): error: \(message)\n"
        StandardStream.error.write(text)
        StandardStream.output.write(text)
    }
}

/// What a hook that went through says: its summary line and its warnings.
public struct HookReport: Equatable, Sendable {
    /// Empty when there is none. Not an optional: see `HookVariables`.
    public var summary: String
    public var warnings: [String]
    /// What the hook built and hands on to be freed by the exit, not before
    /// it: the first native String of 64 bytes or more a process frees makes
    /// the runtime look a type up by its mangled name (its breadcrumbs,
    /// about 38,000 instructions), and a device path is that long. An
    /// object, not `Any`: an existential's metadata cost as much. Not compared.
    public var kept: (AnyObject & Sendable)?

    public init(summary: String?, warnings: [String] = [], keeping kept: (AnyObject & Sendable)? = nil) {
        if let summary { self.summary = summary } else { self.summary = "" }
        self.warnings = warnings
        self.kept = kept
    }

    public static func == (lhs: HookReport, rhs: HookReport) -> Bool {
        lhs.summary == rhs.summary && lhs.warnings == rhs.warnings
    }
}

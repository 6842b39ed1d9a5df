import ArgumentParser
import Glibc
import PassthroughAdmin
import PassthroughModel
import PassthroughSystem

@main
struct LXCPassthrough: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lxc-passthrough",
        abstract: "Pass host devices through to LXC containers: device entries and their cgroup rules.",
        discussion: """
            A container gets a device from a 'devN:' line in its config (as on Proxmox VE), \
            for example 'dev0: /dev/ttyUSB0,mode=0660,uid=1000,gid=20'. The hooks make the \
            node at every start; this command edits the entries and writes the device cgroup \
            rules LXC needs, for cgroup v1 and v2, into a block of the config it owns.

            Run 'sync' after changing devN lines by hand, or when a device got a new number \
            (a USB adapter plugged in again): the container refuses to start until the rules match.

            ENVIRONMENT
              LXC_PASSTHROUGH_CONF  the passthrough.conf to include (default \(Administration.defaultInclude))
            """,
        version: PassthroughVersion.current,
        subcommands: [Add.self, Remove.self, Attach.self, Detach.self, Sync.self, List.self, Check.self, Watch.self, Hierarchy.self])
}

/// Options every subcommand takes: where the container is.
struct ContainerOptions: ParsableArguments {
    @Option(name: [.customShort("P"), .long], help: ArgumentHelp("Use DIR as the container path, as LXC's own tools do.", valueName: "DIR"))
    var lxcpath: String?

    @Argument(help: "The container's name.")
    var name: String

    func administration() throws -> Administration {
        if let problem = ManagedContainer.problem(name: name) { throw ValidationError(problem) }
        let container = ManagedContainer(name: name, lxcPath: lxcpath ?? ManagedContainer.defaultLXCPath())
        return Administration(container: container)
    }
}

/// The passthrough.conf that `sync` includes when the config has none.
var includePath: String {
    guard let value = getenv("LXC_PASSTHROUGH_CONF") else { return Administration.defaultInclude }
    return String(cString: value)
}

/// Runs a subcommand's body; an `AdminError` becomes one line on stderr and exit status 1.
func reportingErrors<T>(_ body: () throws(AdminError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        printError(error.description)
        throw ExitCode.failure
    }
}

func printError(_ message: String) {
    StandardStream.error.write("lxc-passthrough: \(message)\n")
}

func printWarning(_ message: String) {
    StandardStream.error.write("lxc-passthrough: warning: \(message)\n")
}

func report(_ result: SyncResult, container: String) {
    for warning in result.warnings { printWarning(warning) }
    print("\(container): \(result.rules.count) device rule(s) written")
}

/// Not for people: prints `v1` or `v2`, the cgroup hierarchy whose device
/// rules LXC uses on this host, so that the test scripts ask the same code
/// the hooks and the command use.
struct Hierarchy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hierarchy", abstract: "Print the cgroup hierarchy of LXC's device rules here: v1 or v2.", shouldDisplay: false)

    func run() {
        print(DeviceRule.Hierarchy.detect() == .v1 ? "v1" : "v2")
    }
}

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

            The container is named as LXC's own tools name it too: 'lxc-passthrough check -n ct', \
            and -P DIR (the container path) may come before the subcommand or after it.

            ENVIRONMENT
              LXC_PASSTHROUGH_CONF  the passthrough.conf to include (default \(Administration.defaultInclude))

            EXIT STATUS
              0   done; for 'check': the container can start with its devices; for 'doctor': every link holds
              1   failed: one line on stderr names the container, the entry, the path and the \
            system call with its error, and nothing was changed; for 'check': a problem was \
            found; for 'doctor': a link failed; for 'list' of every container: a container could not be read
              64  a usage error: an unknown option, or a missing or invalid argument
            """,
        version: PassthroughVersion.current,
        subcommands: [Add.self, Remove.self, Attach.self, Detach.self, Sync.self, List.self, Check.self, Doctor.self, Watch.self, Hierarchy.self])

    @OptionGroup var path: PathOption

    /// The plain forms of `attach` and `detach` are read without
    /// ArgumentParser's reflection (`QuickCommandLine`); everything else by it.
    static func main() {
        switch QuickCommandLine.parse(Array(CommandLine.arguments.dropFirst())) {
        case .attach(let invocation): Glibc.exit(invocation.perform() ? 0 : 1)
        case .detach(let invocation): Glibc.exit(invocation.perform() ? 0 : 1)
        case nil: main(nil)
        }
    }
}

/// `-P DIR`, the container path: before the subcommand or after it, as
/// the root command and each subcommand declare this same group.
struct PathOption: ParsableArguments {
    @Option(name: [.customShort("P"), .long], help: ArgumentHelp("Use DIR as the container path, as LXC's own tools do.", valueName: "DIR"))
    var lxcpath: String?

    var lxcPath: String { lxcpath ?? ManagedContainer.defaultLXCPath() }
}

/// Options every subcommand about one container takes: where it is, and its
/// name, given as the first operand or, as LXC's tools take it, by `-n`.
struct ContainerOptions: ParsableArguments {
    @OptionGroup var path: PathOption

    @Option(name: [.customShort("n"), .customLong("name")], help: ArgumentHelp("The container's name, as LXC's own tools take it (instead of NAME).", valueName: "NAME"))
    var named: String?

    @Argument(help: ArgumentHelp("The container's name (or -n NAME).", valueName: "name"))
    var positional: String?

    /// The container's name, once `settle` has run (in the subcommand's `validate`).
    var name: String { named ?? positional ?? "" }
    var isNamed: Bool { named != nil || positional != nil }

    /// With `-n`, the first operand is not the name but the next one
    /// (`attach -n ct /dev/ttyUSB0`): returns what the next operand is.
    mutating func settle(_ next: String?, nameRequired: Bool = true) throws -> String? {
        var next = next
        if let named, let operand = positional {
            guard next == nil else {
                throw ValidationError("the container is named twice: -n \(named), and '\(operand)' before the other operands")
            }
            next = operand
            positional = nil
        }
        if nameRequired && !isNamed { throw ValidationError("Missing the container's name: NAME or -n NAME") }
        if isNamed, let problem = ManagedContainer.problem(name: name) { throw ValidationError(problem) }
        return next
    }

    /// For a subcommand whose only operand is the name.
    mutating func settle(nameRequired: Bool = true) throws {
        if let extra = try settle(nil, nameRequired: nameRequired) {
            throw ValidationError("Unexpected argument '\(extra)': the container is named by -n \(named ?? "")")
        }
    }

    /// The named container's; the name was checked by `settle`.
    func administration() -> Administration {
        Administration(container: ManagedContainer(name: name, lxcPath: path.lxcPath))
    }

    static func administration(name: String, lxcPath: String) throws -> Administration {
        if let problem = ManagedContainer.problem(name: name) { throw ValidationError(problem) }
        return Administration(container: ManagedContainer(name: name, lxcPath: lxcPath))
    }
}

/// The passthrough.conf that `sync` includes when the config has none.
var includePath: String {
    guard let value = getenv("LXC_PASSTHROUGH_CONF") else { return Administration.defaultInclude }
    return String(cString: value)
}

/// Runs a subcommand's body; an `AdminError` becomes one line on stderr and exit status 1.
func reportingErrors<T>(_ body: () throws(AdminError) -> T) throws -> T {
    guard let result = reported(body) else { throw ExitCode.failure }
    return result
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

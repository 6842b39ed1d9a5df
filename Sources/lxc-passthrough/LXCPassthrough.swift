import ArgumentParser
import PassthroughCore

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
        subcommands: [Add.self, Remove.self, Attach.self, Detach.self, Sync.self, List.self, Check.self])
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
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as AdminError {
        printError(error.description)
        throw ExitCode.failure
    } catch let error as ConfigError {
        printError("invalid container configuration: \(error)")
        throw ExitCode.failure
    } catch let error as SystemError {
        printError("\(error)")
        throw ExitCode.failure
    }
}

func printError(_ message: String) {
    writeStandardError("lxc-passthrough: \(message)\n")
}

func report(_ result: SyncResult, container: String) {
    for warning in result.warnings { writeStandardError("lxc-passthrough: warning: \(warning)\n") }
    print("\(container): \(result.rules.count) device rule(s) written")
}

#if canImport(Glibc)
import Glibc
#endif

func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress!, $0.count) }
        if written <= 0 { return }
        bytes = bytes.dropFirst(written)
    }
}

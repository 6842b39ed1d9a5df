import ArgumentParser
import PassthroughAdmin
import PassthroughModel

struct Doctor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check each link between an entry and a device that works inside the container.",
        discussion: """
            For every devN entry (or the one DEVICE names: its key, its host path or its path in \
            the container), one line per link of the chain, ✓ when it holds, ✗ with what is \
            wrong and the command that fixes it, - when it does not apply (the container is not \
            running) or an earlier link failed:
              1 entry        it parses as pre-start reads it
              2 host node    the path is a device, of the number the container got
              3 rule         the device rules give it: the config's; running: those
                             in force (host's record; cgroup v1: devices.list)
              4 node inside  type, number, owner (via the id map) and mode as asked
              5 open         opens read-only, non-blocking, from its cgroup, as root
              6 accounts     who inside is in the group the node is given to
              7 udev         no udev rule inside names it and sets owner or mode
                             (/etc/udev/rules.d, /lib/udev/rules.d)
              8 others       no other container's entry or grant, no host process
              9 start        the running container got it: it did not start
                             before the entry was added or changed

            Everything inside is read as --uid NAME reads it: confined to the container's root, as \
            its root, no link followed; the open never blocks and never follows a link. Nothing is changed.

            Exits 0 when every link holds, 1 when one fails (or the container cannot be read), 64 on a usage error.
            """)

    @OptionGroup var options: ContainerOptions

    @Argument(help: ArgumentHelp("The entry to check: its key (dev3), its host path or its path in the container (default: every entry).", valueName: "DEVICE"))
    var device: String?

    @Flag(help: "Print JSON, for scripts: an array of entries, each with its links.")
    var json = false

    mutating func validate() throws {
        device = try options.settle(device)
    }

    func run() throws {
        let administration = options.administration()
        let live = LinuxLiveSystem()
        let entries = try reportingErrors { () throws(AdminError) -> [DeviceReport]? in
            Administration.doctorEntries(try administration.reports(try ConfigStore.read(administration.container)), naming: device)
        }
        guard let entries else {
            printError("container '\(OctalEscape.escapeForTerminal(options.name))' has no entry '\(OctalEscape.escapeForTerminal(device ?? ""))' "
                + "(a key such as dev0, a host path or a path in the container)")
            throw ExitCode(64)
        }
        let facts = try reportingErrors { () throws(AdminError) in try administration.doctorFacts(entries, live: live) }
        let checked = facts.map { DoctorFormat.Checked(facts: $0, links: DoctorChain.links($0)) }
        if checked.isEmpty, !json { print("\(OctalEscape.escapeForTerminal(options.name)): no devN entry") }
        print(json ? DoctorFormat.json(checked) : DoctorFormat.text(checked), terminator: "")
        if checked.contains(where: { !DoctorChain.passes($0.links) }) { throw ExitCode.failure }
    }
}

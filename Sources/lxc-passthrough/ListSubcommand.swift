import ArgumentParser
import PassthroughAdmin
import PassthroughModel

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show each device entry and whether it is ready; with no name, of every container.",
        discussion: """
            One row per entry: key, path, the device's type and major:minor now, mode, uid and \
            gid in the container and on the host, deny-write, what the running container was \
            given (rw or r, from the host's record; - when it is not running or has nothing of \
            the entry), and a status: ready, missing, not a device, rule out of date (run sync), \
            invalid, or pending (an optional entry, required=0, whose device is absent or has no \
            rule yet: a start goes on without it). PATH shows 'HOST -> CONTAINER' for an entry with mp=. A USB entry (usb=, usb-port=) \
            has a row for each node it matches now, 'usb 10c4:ea60 -> /dev/bus/usb/001/005' \
            (JSON: its nodes in "nodes"). A device the running container was given that no entry names (attach \
            --temporary, or an entry removed since) gets a row of its own, status running only.

            With no name, every container under the container path (as liblxc lists them), \
            a CONTAINER column first; --json prints one object per container, \
            {"container": NAME, "devices": [...]}. A container that cannot be read is named on \
            stderr, and the exit status is 1.
            """)

    @OptionGroup var options: ContainerOptions

    @Flag(help: "Print JSON, for scripts: an array of entries, or with no name an array of containers.")
    var json = false

    mutating func validate() throws {
        try options.settle(nameRequired: false)
    }

    func run() throws {
        guard options.isNamed else { return try listAll() }
        let administration = options.administration()
        let reports = try reportingErrors { () throws(AdminError) in try Self.reports(of: administration, live: LinuxLiveSystem()) }
        print(json ? ReportFormat.json(reports) : ReportFormat.table(reports), terminator: "")
    }

    func listAll() throws {
        let lxcPath = options.path.lxcPath
        let live = LinuxLiveSystem()
        let names = try reportingErrors { () throws(AdminError) in try ManagedContainer.allNames(in: lxcPath) }
        var listed: [(container: String, reports: [DeviceReport])] = []
        var failed = false
        for name in names {
            do {
                let administration = try ContainerOptions.administration(name: name, lxcPath: lxcPath)
                listed.append((name, try Self.reports(of: administration, live: live)))
            } catch {
                printError("container '\(name)': \(error)")
                failed = true
            }
        }
        print(json ? ReportFormat.json(containers: listed) : ReportFormat.table(containers: listed), terminator: "")
        if failed { throw ExitCode.failure }
    }

    /// The container's entries, with what its running instance was given.
    static func reports(of administration: Administration, live: LiveSystem) throws(AdminError) -> [DeviceReport] {
        let name = administration.container.name
        var reports = try administration.reports(try ConfigStore.read(administration.container))
        let recorded: RecordedGrants
        do {
            recorded = try administration.recordedGrants(live: live)
        } catch {
            // The entries are still worth showing.
            printWarning("cannot tell what the running container '\(name)' was given: \(error)")
            recorded = .notRunning
        }
        switch recorded {
        case .notRunning:
            break
        case .unverified:
            printWarning(ContainerState.unverifiedMessage(name))
        case .unrecorded:
            if !reports.isEmpty {
                printWarning("the host has no record of what container '\(name)' was given at its start "
                    + "(it started before lxc-passthrough kept records, or with no device): GIVEN shows nothing of it; a restart makes one")
            }
        case .recorded(let grants, let left):
            reports = DeviceReport.adding(given: grants, left: left, to: reports)
        }
        return reports
    }
}

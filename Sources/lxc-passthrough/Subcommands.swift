import ArgumentParser
import PassthroughAdmin
import PassthroughModel

struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Write the device cgroup rules for every devN entry.",
        discussion: """
            Replaces the block from '# BEGIN lxc-passthrough' to '\(ConfigDocument.blockEnd)' \
            at the end of the config with rules for both \
            lxc.cgroup.devices (cgroup v1) and lxc.cgroup2.devices (cgroup v2): read-write, or \
            read-only for deny-write entries, written so that nothing else the container may \
            use changes. Adds the lxc.include of passthrough.conf when the config has none. \
            Every other line stays as it is; the file is replaced atomically, under a lock.
            """)

    @OptionGroup var options: ContainerOptions

    func run() throws {
        let administration = try options.administration()
        try reportingErrors { () throws(AdminError) in
            let result = try ConfigStore.update(administration.container) { document throws(AdminError) in
                try administration.sync(&document, include: includePath)
            }
            report(result, container: options.name)
        }
    }
}

struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a device entry (the lowest free devN) and sync.",
        discussion: """
            PATH is checked as the hooks check it: below /dev/, no '.' or '..', an existing \
            character or block device (unless --required=0), ids the container's id map can map. \
            --required=0 and --mp are lxc-passthrough's own keys: Proxmox VE's tools do not accept them.
            """)

    @OptionGroup var options: ContainerOptions

    @Argument(help: "The device on the host, e.g. /dev/ttyUSB0 or /dev/serial/by-id/...")
    var path: String

    @OptionGroup var node: NodeOptions

    @Option(help: ArgumentHelp(
        "0: the device may be absent: a start goes on without it, and 'lxc-passthrough watch' puts it in when it appears (required=0 in the entry). Default 1.",
        valueName: "0|1"))
    var required: String?

    var isRequired: Bool { required.flatMap { try? DeviceSpec.parseBoolean($0, key: "required") } ?? true }

    func validate() throws {
        if let required, (try? DeviceSpec.parseBoolean(required, key: "required")) == nil {
            throw ValidationError("invalid --required '\(required)': expected 1, on, yes, true, 0, off, no or false")
        }
    }

    func run() throws {
        let administration = try options.administration()
        try reportingErrors { () throws(AdminError) in
            let owner = try node.owner(of: administration, live: LinuxLiveSystem())
            let (key, result) = try ConfigStore.update(administration.container) { document throws(AdminError) in
                try administration.add(
                    &document, path: path, mode: node.modeBits, uid: owner.uid, gid: owner.gid, denyWrite: node.denyWrite,
                    required: isRequired, mountPath: node.mp, include: includePath)
            }
            for warning in administration.proxmoxKeyWarnings(try ConfigStore.read(administration.container), onProxmoxHost: Administration.isProxmoxHost())
            where warning.hasPrefix("\(key):") {
                printWarning(warning)
            }
            print("\(options.name): added \(key): \(path)")
            report(result, container: options.name)
        }
    }
}

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a device entry, by key (dev3) or path, and sync.")

    @OptionGroup var options: ContainerOptions

    @Argument(help: ArgumentHelp("The entry's key (dev3) or its device path.", valueName: "devN|PATH"))
    var target: String

    func run() throws {
        let administration = try options.administration()
        try reportingErrors { () throws(AdminError) in
            let (key, result) = try ConfigStore.update(administration.container) { document throws(AdminError) in
                try administration.remove(&document, target: target, include: includePath)
            }
            print("\(options.name): removed \(key)")
            report(result, container: options.name)
        }
    }
}

struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Show each device entry and whether it is ready.",
        discussion: """
            One row per entry: key, path, the device's type and major:minor now, mode, uid and \
            gid in the container and on the host, deny-write, what the running container was \
            given (rw or r, from the host's record; - when it is not running or has nothing of \
            the entry), and a status: ready, missing, not a device, rule out of date (run sync), \
            invalid, or pending (an optional entry, required=0, whose device is absent or has no \
            rule yet: a start goes on without it). PATH shows 'HOST -> CONTAINER' for an entry with mp=. A device the running container was given that no entry names (attach \
            --temporary, or an entry removed since) gets a row of its own, status running only.
            """)

    @OptionGroup var options: ContainerOptions

    @Flag(help: "Print a JSON array, for scripts.")
    var json = false

    func run() throws {
        let administration = try options.administration()
        try reportingErrors { () throws(AdminError) in
            var reports = try administration.reports(try ConfigStore.read(administration.container))
            let recorded: RecordedGrants
            do {
                recorded = try administration.recordedGrants(live: LinuxLiveSystem())
            } catch {
                // The entries are still worth showing.
                printWarning("cannot tell what the running container was given: \(error)")
                recorded = .notRunning
            }
            switch recorded {
            case .notRunning:
                break
            case .unrecorded:
                if !reports.isEmpty {
                    printWarning("the host has no record of what container '\(options.name)' was given at its start "
                        + "(it started before lxc-passthrough kept records, or with no device): GIVEN shows nothing of it; a restart makes one")
                }
            case .recorded(let grants):
                reports = DeviceReport.adding(given: grants, to: reports)
            }
            print(json ? ReportFormat.json(reports) : ReportFormat.table(reports), terminator: "")
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check everything pre-start checks, without mounting anything.",
        discussion: "Prints one line per problem and exits 1 when there is any; exits 0 when the container can start with its devices.")

    @OptionGroup var options: ContainerOptions

    func run() throws {
        let administration = try options.administration()
        let (problems, warnings) = try reportingErrors { () throws(AdminError) in
            let document = try ConfigStore.read(administration.container)
            return (try administration.problems(document),
                    administration.metadataNameWarnings(document)
                        + administration.proxmoxKeyWarnings(document, onProxmoxHost: Administration.isProxmoxHost()))
        }
        for warning in warnings { printWarning(warning) }
        for problem in problems { printError(problem) }
        guard problems.isEmpty else { throw ExitCode.failure }
        print("\(options.name): ok")
    }
}

/// The node's options, as `add` and `attach` take them.
struct NodeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Permission bits of the node: 0 and three octal digits (default: 0660).", valueName: "MODE"))
    var mode: String?

    @Option(help: ArgumentHelp(
        "Owner of the node as the container sees it: a number, or a user name looked up in the container's own /etc/passwd (default: 0).",
        valueName: "USER"))
    var uid: String?

    @Option(help: ArgumentHelp(
        "Group of the node as the container sees it: a number, or a group name looked up in the container's own /etc/group (default: 0).",
        valueName: "GROUP"))
    var gid: String?

    @Flag(help: "Let the container read the device but not write it.")
    var denyWrite = false

    @Option(help: ArgumentHelp("Where the node appears in the container, when not at the host path (mp= in the entry), e.g. /dev/zigbee.", valueName: "PATH"))
    var mp: String?

    var modeBits: UInt32? { mode.flatMap { UInt32($0, radix: 8) } }

    /// The owner as numbers: names looked up in the container (each told).
    func owner(of administration: Administration, live: LiveSystem) throws(AdminError) -> (uid: UInt32?, gid: UInt32?) {
        let accounts = ContainerAccounts(administration, live: live)
        let user = try accounts.resolve(uid, .users), group = try accounts.resolve(gid, .groups)
        for note in [user.note, group.note].compactMap({ $0 }) { print("\(administration.container.name): \(note)") }
        return (user.id, group.id)
    }

    func validate() throws {
        if let mode, (try? DeviceSpec.parse("/dev/x,mode=\(mode)")) == nil {
            throw ValidationError("invalid --mode '\(mode)': expected 0 and three octal digits, such as 0660")
        }
    }
}

import ArgumentParser
import Glibc
import PassthroughAdmin
import PassthroughModel
import PassthroughSystem

struct Add: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add device entries (the lowest free devN) and sync: a device, every device under a directory, every GPU node, or a USB device.",
        discussion: """
            PATH is checked as the hooks check it: below /dev/, no '.' or '..', an existing \
            character or block device (unless --required=0), ids the container's id map can map. \
            --required=0 and --mp are lxc-passthrough's own keys: Proxmox VE's tools do not accept them.

            A directory (/dev/dri, /dev/bus/usb/001) adds one entry for each device node under \
            it, with the options given; symbolic links are not followed, to nodes or to \
            directories. --gpu adds every GPU node the host has: /dev/dri/card* (group video) \
            and /dev/dri/renderD* (group render), the groups named as the container names them \
            in its /etc/group; and NVIDIA's /dev/nvidia[0-9]*, nvidiactl, nvidia-modeset and \
            nvidia-caps/*, mode 0666 as its driver makes them, with nvidia-uvm and \
            nvidia-uvm-tools, which the driver makes on first use, as optional entries \
            (required=0) that 'lxc-passthrough watch' puts in when they appear. --mode, --uid, \
            --gid and --required given replace those defaults for every node. A node that \
            already has an entry is left as it is. All entries are written in one sync, or none.

            --usb and --usb-port add one entry that selects a USB device by what it is rather \
            than by a node's name (usb=, serial=, usb-port=, nodes= in the entry, lxc-passthrough's \
            own keys): each start gives the nodes of every device that matches then, at the paths \
            udev gives them. --usb VID:PID may be given several times for one device that changes \
            its ids (the Coral: --usb 1a6e:089a --usb 18d1:9302); VID:PID:SERIAL names one device \
            of that make; --usb-port 1-2.3 the socket it is plugged into. --nodes all gives every \
            node below the device in sysfs (its tty, hidraw, video, sound, input nodes), not only \
            its own /dev/bus/usb node.
            """)

    @OptionGroup var options: ContainerOptions

    @Argument(
        help: ArgumentHelp(
            "The device on the host (/dev/ttyUSB0, /dev/serial/by-id/...), or a directory of devices (/dev/dri).",
            valueName: "path"))
    var path: String?

    @Flag(help: "Every GPU node of the host (DRM and NVIDIA), instead of PATH.")
    var gpu = false

    @OptionGroup var usb: USBSelectionOptions

    @OptionGroup var node: NodeArguments

    @Option(
        help: ArgumentHelp(
            "0: the device may be absent: a start goes on without it, and 'lxc-passthrough watch' puts it in when it appears (required=0 in the entry). Default 1.",
            valueName: "0|1"))
    var required: BooleanSetting?

    @Flag(help: "Print the entries and rules that would be written, and change nothing.")
    var dryRun = false

    /// Whether the entries are required: `--required`, else yes.
    var isRequired: Bool { required?.isOn ?? true }

    mutating func validate() throws {
        path = try options.settle(path)
        try usb.check(path: path, gpu: gpu, mp: node.mp)
        if usb.isGiven { return }
        if gpu {
            if let path { throw ValidationError("--gpu adds the host's GPU nodes: it takes no PATH ('\(path)')") }
            if node.mp != nil { throw ValidationError("--mp names the container path of one node: it cannot be used with --gpu") }
        } else if path == nil {
            throw ValidationError("Missing expected argument 'path' (a device or a directory), or --gpu, --usb or --usb-port")
        }
    }

    func run() throws {
        let administration = options.administration()
        try reportingErrors { () throws(AdminError) in
            let accounts = ContainerAccounts(administration, live: LinuxLiveSystem())
            let (entries, many) = try requested(accounts)
            let onProxmoxHost = Administration.isProxmoxHost()
            let change = { (document: inout ConfigDocument) throws(AdminError) -> Outcome in
                var outcome = Outcome()
                var fresh: [NewEntry] = []
                for entry in entries {
                    if many, let path = entry.path, let key = administration.existingKey(for: path, in: document) {
                        outcome.kept.append((key, path))
                    } else {
                        fresh.append(entry)
                    }
                }
                guard !fresh.isEmpty else { return outcome }
                let (added, sync) = try administration.add(&document, fresh, include: includePath)
                let keys = Set(added.map(\.key.description))
                outcome.added = added
                outcome.sync = sync
                outcome.warnings = administration.proxmoxKeyWarnings(document, onProxmoxHost: onProxmoxHost)
                    .filter { keys.contains(String($0.prefix { $0 != ":" })) }
                outcome.block = document.blockContent
                return outcome
            }
            let outcome = dryRun
                ? try ConfigStore.preview(administration.container, change).0
                : try ConfigStore.update(administration.container, change)
            let name = options.name
            for (key, path) in outcome.kept { print("\(name): \(key) already names \(path); left as it is") }
            guard let sync = outcome.sync else {
                print("\(name): nothing to add")
                return
            }
            for warning in outcome.warnings { printWarning(warning) }
            let verb = dryRun ? "would add" : "added"
            for (key, value) in outcome.added { print("\(name): \(verb) \(key): \(OctalEscape.escapeForTerminal(value))") }
            guard dryRun else { return report(sync, container: name) }
            for warning in sync.warnings { printWarning(warning) }
            print("\(name): would write \(sync.rules.count) device rule(s), the block being:")
            for line in outcome.block { print("  \(OctalEscape.escapeForTerminal(line))") }
            print("\(name): nothing changed (--dry-run)")
        }
    }

    /// What `add` did to the config, or would do.
    struct Outcome {
        var kept: [(DeviceKey, String)] = []
        var added: [(key: DeviceKey, value: String)] = []
        var sync: SyncResult?
        var warnings: [String] = []
        var block: [String] = []
    }

    /// The entries asked for, and whether there are many (a directory, --gpu).
    func requested(_ accounts: ContainerAccounts) throws(AdminError) -> ([NewEntry], Bool) {
        var options = try node.options(accounts)
        options.required = isRequired
        if gpu { return (try gpuEntries(accounts, options: options), true) }
        let selector: DeviceSelector?
        do {
            selector = try usb.selector()
        } catch {
            throw AdminError("\(error)")
        }
        if let selector { return ([NewEntry(selector: selector, options: options)], false) }
        let path = path!
        guard let directory = try directory(path) else { return ([NewEntry(selector: .path(path), options: options)], false) }
        if node.mp != nil { throw AdminError("--mp names the container path of one node, and \(directory) is a directory") }
        let paths = try translatingErrors({ () throws(SystemError) in try DeviceNodes.all(under: directory) }) { error in
            (error.errno == ENOTDIR || error.errno == ELOOP) && error.path == directory
                ? AdminError("\(directory) is a symbolic link to a directory: name the directory itself (links are not followed)")
                : AdminError("cannot read the directory \(directory): \(error)")
        }
        guard !paths.isEmpty else {
            throw AdminError("no device node under \(directory) (symbolic links are not followed); nothing written")
        }
        return (paths.map { NewEntry(selector: .path($0), options: options) }, true)
    }

    /// `path` when it names a directory; nil for anything else (a device,
    /// a link to one, nothing), which `add` checks as an entry's path.
    func directory(_ path: String) throws(AdminError) -> String? {
        guard let target = try? FileSystem.status(path), target.st_mode & S_IFMT == S_IFDIR else { return nil }
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        if let problem = DevicePath.problem(trimmed + "/x") { throw AdminError("\(path): \(problem)") }
        return trimmed
    }

    /// The host's GPU nodes as entries: each group named in the container's
    /// /etc/group, unless --gid gives one.
    func gpuEntries(_ accounts: ContainerAccounts, options given: NodeOptions) throws(AdminError) -> [NewEntry] {
        let nodes = try translatingErrors({ () throws(SystemError) in try DeviceNodes.gpus() }) {
            AdminError("cannot look for GPU nodes: \($0)")
        }
        guard !nodes.isEmpty else {
            throw AdminError("this host has no GPU: no /dev/dri/card* or /dev/dri/renderD* node, no /dev/nvidia* node; nothing written")
        }
        var groups: [String: UInt32] = [:]
        var entries: [NewEntry] = []
        for gpu in nodes {
            var gid = given.gid
            if gid == nil, let group = gpu.group {
                if groups[group] == nil {
                    let resolved: (id: UInt32?, note: String?)
                    do {
                        resolved = try accounts.resolve(.name(group), .groups)
                    } catch {
                        throw AdminError("\(error): --gpu gives \(gpu.path) to the group '\(group)'; add that group in the container, or pass --gid")
                    }
                    groups[group] = resolved.id
                    if let note = resolved.note { print("\(options.name): \(note)") }
                }
                gid = groups[group]
            }
            var nodeOptions = given
            nodeOptions.mode = given.mode ?? gpu.mode
            nodeOptions.gid = gid
            nodeOptions.required = given.required && gpu.required
            entries.append(NewEntry(selector: .path(gpu.path), options: nodeOptions))
        }
        return entries
    }
}

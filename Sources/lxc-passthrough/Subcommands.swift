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

    mutating func validate() throws {
        try options.settle()
    }

    func run() throws {
        let administration = options.administration()
        try reportingErrors { () throws(AdminError) in
            let result = try ConfigStore.update(administration.container) { document throws(AdminError) in
                try administration.sync(&document, include: includePath)
            }
            report(result, container: options.name)
        }
    }
}

struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove", abstract: "Remove a device entry, by key (dev3) or path, and sync.")

    @OptionGroup var options: ContainerOptions

    @Argument(help: ArgumentHelp("The entry's key (dev3) or its device path.", valueName: "devN|PATH"))
    var target: String?

    mutating func validate() throws {
        target = try options.settle(target)
        if target == nil { throw ValidationError("Missing expected argument 'devN|PATH'") }
    }

    func run() throws {
        let administration = options.administration()
        try reportingErrors { () throws(AdminError) in
            let (key, result) = try ConfigStore.update(administration.container) { document throws(AdminError) in
                try administration.remove(&document, target: target!, include: includePath)
            }
            print("\(options.name): removed \(key)")
            report(result, container: options.name)
        }
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check everything pre-start checks, without mounting anything.",
        discussion: """
            Prints the nodes each USB entry matches now, then one line per problem, and exits 1 when \
            there is any; exits 0 when the container can start with its devices.
            """)

    @OptionGroup var options: ContainerOptions

    mutating func validate() throws {
        try options.settle()
    }

    func run() throws {
        let administration = options.administration()
        let (problems, warnings, matches) = try reportingErrors { () throws(AdminError) in
            let document = try ConfigStore.read(administration.container)
            return (try administration.problems(document),
                    administration.metadataNameWarnings(document)
                        + administration.proxmoxKeyWarnings(document, onProxmoxHost: Administration.isProxmoxHost()),
                    try administration.usbMatches(document))
        }
        for match in matches { print("\(options.name): \(match)") }
        for warning in warnings { printWarning(warning) }
        for problem in problems { printError(problem) }
        guard problems.isEmpty else { throw ExitCode.failure }
        print("\(options.name): ok")
    }
}

/// The node's options as `add` and `attach` read them; `options` makes them
/// the model's `NodeOptions` (the owner's names looked up in the container).
struct NodeArguments: ParsableArguments {
    @Option(
        help: ArgumentHelp("Permission bits of the node: 0 and three octal digits (default: 0660).", valueName: "MODE"))
    var mode: NodeMode?

    @Option(
        help: ArgumentHelp(
            "Owner of the node as the container sees it: a number (0 to 4294967294), or a user name looked up in the container's own /etc/passwd (default: 0).",
            valueName: "USER"))
    var uid: Account?

    @Option(
        help: ArgumentHelp(
            "Group of the node as the container sees it: a number (0 to 4294967294), or a group name looked up in the container's own /etc/group (default: 0).",
            valueName: "GROUP"))
    var gid: Account?

    @Flag(help: "Let the container read the device but not write it.")
    var denyWrite = false

    @Option(help: ArgumentHelp("Where the node appears in the container, when not at the host path (mp= in the entry), e.g. /dev/zigbee.", valueName: "PATH"))
    var mp: String?

    /// The mode, deny-write and mp given, without the owner (which names may give).
    var unowned: NodeOptions { NodeOptions(mode: mode?.bits, denyWrite: denyWrite, mountPath: mp) }

    /// The options given, the owner as numbers: names looked up in the container (each told).
    func options(_ accounts: ContainerAccounts) throws(AdminError) -> NodeOptions {
        var options = unowned
        (options.uid, options.gid) = try resolvedOwner(uid: uid, gid: gid, accounts)
        return options
    }
}

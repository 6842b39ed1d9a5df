import ArgumentParser
import PassthroughAdmin
import PassthroughModel
import PassthroughSystem

struct Attach: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Put a device into a running container now, and (unless --temporary) add its entry.",
        discussion: """
            Makes the node as host root, with the mode and the owner mapped through the id map the \
            running container has, and mounts it at PATH in the container's /dev (through its mount \
            namespace, as its root; for an unprivileged container too). Gives the running container \
            the device cgroup rule it needs (through liblxc, as lxc-cgroup does: cgroup v1, or LXC's \
            eBPF program on cgroup v2), and keeps what it gave in the host's record (/run/lxc-passthrough). Unless \
            --temporary, also adds the devN entry and syncs, so the next start has the device.

            Refuses when the container is not running, PATH already exists in the container, \
            PATH is not a device on the host, or a value holds a control character; a failure \
            leaves the container and its config as they were.
            """)

    @OptionGroup var options: ContainerOptions

    @Argument(help: "The device on the host, e.g. /dev/ttyUSB0; the container sees it at the same path, or at --mp.")
    var path: String?

    @OptionGroup var node: NodeOptions

    @Flag(help: "Only the running container: no devN entry; gone at the next start.")
    var temporary = false

    mutating func validate() throws {
        path = try options.settle(path)
        if path == nil { throw ValidationError("Missing expected argument 'path'") }
    }

    func run() throws {
        let administration = try options.administration()
        let live = LinuxLiveSystem()
        try reportingErrors { () throws(AdminError) in
            let owner = try node.owner(ContainerAccounts(administration, live: live))
            let request = AttachRequest(
                path: path!, mode: node.modeBits, uid: owner.uid, gid: owner.gid, denyWrite: node.denyWrite, mountPath: node.mp,
                temporary: temporary)
            let result = try administration.attach(request, live: live, include: includePath)
            let entry = result.key.map { " as \($0)" } ?? " (temporary)"
            print("\(options.name): attached \(result.node.containerPath)\(entry): \(result.node.type.rawValue) \(result.node.number), mode \(octal(result.node.mode))")
            if let sync = result.sync { report(sync, container: options.name) }
        }
    }
}

struct Detach: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detach",
        abstract: "Take a device out of a running container now, and (unless --temporary) remove its entry.",
        discussion: """
            Decides from the host's record of what lxc-passthrough gave the container (at its \
            start or by attach), never from what the container shows. Takes the device's access \
            back, all but what the container's own rules give it (unless another grant of the \
            same device remains), then unmounts every mount of its node, found by its identity, \
            with what the container stacked on it, as the container's root. Unless --temporary, \
            also removes the devN entry and syncs. After it, no path in the container opens the \
            device.

            A process that opened the device before still has it open: the kernel checks device \
            rules when a device is opened, not on each read or write. detach names such processes.
            """)

    @OptionGroup var options: ContainerOptions

    @Argument(help: ArgumentHelp("The entry's key (dev3) or the device's path.", valueName: "devN|PATH"))
    var target: String?

    @Flag(help: "Only the running container: the devN entry stays, so the next start has the device again.")
    var temporary = false

    mutating func validate() throws {
        target = try options.settle(target)
        if target == nil { throw ValidationError("Missing expected argument 'devN|PATH'") }
    }

    func run() throws {
        let administration = try options.administration()
        try reportingErrors { () throws(AdminError) in
            let result = try administration.detach(target!, temporary: temporary, live: LinuxLiveSystem(), include: includePath)
            let path = result.grant.containerPath
            let entry = result.key.map { " and removed \($0)" } ?? ""
            print("\(options.name): detached \(path)\(entry)")
            if !result.removal.removedAtPath {
                printWarning("the node lxc-passthrough put at \(path) was no longer there (the container moved or removed it); its access is taken back")
            }
            if result.removal.stacked > 0 {
                printWarning("the container had stacked \(result.removal.stacked) mount(s) on \(path); they were taken out with it")
            }
            for copy in result.removal.copies {
                printWarning("the container had bound \(path) at \(OctalEscape.escapeForTerminal(copy)) too; taken out as well")
            }
            for copy in result.removal.unreachable {
                printWarning("the container lists a mount of \(path) at \(OctalEscape.escapeForTerminal(copy)) that could not be reached; the device rules refuse it")
            }
            for holder in result.holders {
                printWarning("\(holder) still has \(path) open; the kernel lets it keep using the device until it closes it")
            }
            if let sync = result.sync { report(sync, container: options.name) }
        }
    }
}

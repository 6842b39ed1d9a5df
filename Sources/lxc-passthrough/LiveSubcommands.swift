import ArgumentParser
import PassthroughAdmin
import PassthroughModel
import PassthroughSystem

struct Attach: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Put a device into a running container now, and (unless --temporary) add its entry.",
        discussion: """
            Makes the node as host root, with the mode and the owner mapped through the container's \
            id map, and mounts it at PATH in the container's /dev (through its mount namespace; for \
            an unprivileged container too). Gives the running container the device cgroup rule it \
            needs (lxc-cgroup: cgroup v1, or LXC's eBPF program on cgroup v2). Unless --temporary, \
            also adds the devN entry and syncs, so the next start has the device.

            Refuses when the container is not running, PATH already exists in the container, or \
            PATH is not a device on the host; a failure leaves the container and its config as they were.
            """)

    @OptionGroup var options: ContainerOptions

    @Argument(help: "The device on the host, e.g. /dev/ttyUSB0; the container sees it at the same path.")
    var path: String

    @OptionGroup var node: NodeOptions

    @Flag(help: "Only the running container: no devN entry; gone at the next start.")
    var temporary = false

    func run() throws {
        let administration = try options.administration()
        let request = AttachRequest(
            path: path, mode: node.modeBits, uid: node.uid, gid: node.gid, denyWrite: node.denyWrite, temporary: temporary)
        try reportingErrors { () throws(AdminError) in
            let result = try administration.attach(request, live: LinuxLiveSystem(), include: includePath)
            let entry = result.key.map { " as \($0)" } ?? " (temporary)"
            print("\(options.name): attached \(result.node.containerPath)\(entry): \(result.node.type.rawValue) \(result.node.number), mode \(octal(result.node.mode))")
            if let sync = result.sync { report(sync, container: options.name) }
        }
    }
}

struct Detach: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Take a device out of a running container now, and (unless --temporary) remove its entry.",
        discussion: """
            Takes back the device cgroup rule the device had, unmounts its node in the container's \
            /dev and removes the mount point. Unless --temporary, also removes the devN entry and syncs.

            Only nodes lxc-passthrough put into the container (at start or by attach) are taken out. \
            A process that opened the device before still has it open: the kernel checks device \
            rules when a device is opened, not on each read or write. detach names such processes.
            """)

    @OptionGroup var options: ContainerOptions

    @Argument(help: ArgumentHelp("The entry's key (dev3) or the device's path.", valueName: "devN|PATH"))
    var target: String

    @Flag(help: "Only the running container: the devN entry stays, so the next start has the device again.")
    var temporary = false

    func run() throws {
        let administration = try options.administration()
        try reportingErrors { () throws(AdminError) in
            let result = try administration.detach(target, temporary: temporary, live: LinuxLiveSystem(), include: includePath)
            let entry = result.key.map { " and removed \($0)" } ?? ""
            print("\(options.name): detached \(result.node.containerPath)\(entry)")
            for holder in result.holders {
                StandardStream.error.write("lxc-passthrough: warning: \(holder) still has \(result.node.containerPath) open; the kernel lets it keep using the device until it closes it\n")
            }
            if let sync = result.sync { report(sync, container: options.name) }
        }
    }
}

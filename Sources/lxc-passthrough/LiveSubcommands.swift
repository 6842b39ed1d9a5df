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

            --usb and --usb-port select a USB device by what it is instead (as add takes them): \
            every node it has now (--nodes) is put in at the path udev gives it, under one entry.

            Refuses when the container is not running, PATH already exists in the container, \
            PATH is not a device on the host (no USB device matches), or a value holds a control \
            character; a failure leaves the container and its config as they were.
            """)

    @OptionGroup var options: ContainerOptions

    @Argument(help: "The device on the host, e.g. /dev/ttyUSB0; the container sees it at the same path, or at --mp.")
    var path: String?

    @OptionGroup var usb: USBSelectionOptions

    @OptionGroup var node: NodeArguments

    @Flag(help: "Only the running container: no devN entry; gone at the next start.")
    var temporary = false

    mutating func validate() throws {
        path = try options.settle(path)
        try usb.check(path: path, mp: node.mp)
        if !usb.isGiven, path == nil {
            throw ValidationError("Missing expected argument 'path', or --usb or --usb-port")
        }
    }

    var invocation: AttachInvocation {
        var invocation = AttachInvocation(
            lxcpath: options.path.lxcpath, name: options.name, path: path ?? "", options: node.unowned, uid: node.uid, gid: node.gid,
            temporary: temporary)
        invocation.usb = try? usb.selector()
        return invocation
    }

    func run() throws {
        guard invocation.perform() else { throw ExitCode.failure }
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

    var invocation: DetachInvocation {
        DetachInvocation(lxcpath: options.path.lxcpath, name: options.name, target: target!, temporary: temporary)
    }

    func run() throws {
        guard invocation.perform() else { throw ExitCode.failure }
    }
}

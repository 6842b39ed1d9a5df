import ArgumentParser
import PassthroughAdmin
import PassthroughModel
import PassthroughSystem
import PassthroughWatch

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Follow devices as they come, go and get new numbers, in every container, until SIGTERM or SIGINT.",
        discussion: """
            Runs in the foreground, one line per action on stderr (the journal under systemd: \
            lxc-passthrough-watch.service). For each container under the container path whose \
            config includes passthrough.conf, every entry is resolved again (following host \
            symlinks, as pre-start does) whenever a device comes or goes (kernel uevents) or a \
            link or node appears in the directory of an entry's path (inotify), and when a \
            container starts, stops or its config changes:

              - a running container loses a device that vanished or whose path names
                another device now (its cgroup access first, then its node), and is
                given the device its entry names now (the rule first, then the node,
                with the entry's mode and mapped owner), optional entries (required=0)
                included;
              - every container's rules block follows its devices, as 'sync' writes
                it, so no start fails because a device got a new number;
              - an unprivileged container, which the kernel's uevents do not reach, is
                sent one for each node given or taken (add or remove, DEVNAME where it
                has the node), so udev and libusb's hotplug inside hear of it.

            At its start it looks at everything, so a replug while it was down is caught up. \
            Only one watcher runs per container path: a second one refuses to start, naming the first.
            """)

    @OptionGroup var path: PathOption

    func run() throws {
        let lxcPath = path.lxcPath
        try reportingErrors { () throws(AdminError) in
            var watcher = try Watcher(lxcPath: lxcPath, include: includePath) { line in
                StandardStream.error.write("\(line)\n")
            }
            _ = try watcher.run()
        }
    }
}

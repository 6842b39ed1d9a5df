import PassthroughCore

// Failures reach lxc-start's terminal and log through post-stop (see Autodev.run).
HookMain.run(program: "pve-autodev-hook", type: "autodev", needsRootfs: true, reportsToMonitor: false) { context throws(HookFailure) in
    let count = try Autodev.run(context)
    return count == 0 ? nil : "mounted \(count) device(s) into the container's /dev"
}

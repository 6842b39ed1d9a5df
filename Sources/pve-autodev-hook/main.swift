import PassthroughCore

HookMain.run(program: "pve-autodev-hook", type: "autodev", needsRootfs: true) { context throws(HookFailure) in
    let count = try Autodev.run(context)
    return count == 0 ? nil : "mounted \(count) device(s) into the container's /dev"
}

import PassthroughCore

HookMain.run(program: "pve-poststop-hook", type: "post-stop") { context throws(HookFailure) in
    if let autodevError = try Poststop.run(context) {
        MonitorReport.deliver(
            program: "pve-autodev-hook", containerName: context.containerName, configFile: context.configFile,
            message: "container '\(context.containerName)': \(autodevError)")
    }
    return nil
}

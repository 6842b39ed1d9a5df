import PassthroughHooks

// One program for two hooks: pre-start (the nodes) and start-host (which processes the container is).
if HookContext.calledType(arguments: Array(CommandLine.arguments.dropFirst()), environment: processEnvironment()) == "start-host" {
    HookMain.run(program: "pve-prestart-hook", type: "start-host", StartHost.hook)
} else {
    HookMain.run(program: "pve-prestart-hook", type: "pre-start", Prestart.hook)
}

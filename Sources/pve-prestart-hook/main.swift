import PassthroughHooks

// One program for two hooks: pre-start (the nodes) and start-host (which processes the container is).
let invocation = HookInvocation.current()
if invocation.calledType == "start-host" {
    HookMain.run(program: "pve-prestart-hook", type: "start-host", invocation: invocation, StartHost.hook)
} else {
    HookMain.run(program: "pve-prestart-hook", type: "pre-start", invocation: invocation, Prestart.hook)
}

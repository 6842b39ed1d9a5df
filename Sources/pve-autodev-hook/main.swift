import PassthroughHooks

// Failures reach lxc-start's terminal and log through post-stop (see Autodev.run).
HookMain.run(program: "pve-autodev-hook", type: "autodev", needsRootfs: true, reportsToMonitor: false, Autodev.hook)

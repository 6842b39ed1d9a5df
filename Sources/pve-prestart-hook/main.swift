import PassthroughHooks

HookMain.run(program: "pve-prestart-hook", type: "pre-start", Prestart.hook)

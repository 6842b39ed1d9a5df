import PassthroughHooks

HookMain.run(program: "pve-poststop-hook", type: "post-stop", Poststop.hook)

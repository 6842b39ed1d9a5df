import PassthroughCore

HookMain.run(program: "pve-poststop-hook", type: "post-stop") { context throws(HookFailure) in
    try Poststop.run(context)
    return nil
}

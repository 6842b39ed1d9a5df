import PassthroughCore

HookMain.run(program: "pve-prestart-hook", type: "pre-start") { context throws(HookFailure) in
    let count = try Prestart.run(context)
    return count == 0 ? nil : "prepared \(count) device node(s) in \(context.passthroughDirectory)"
}

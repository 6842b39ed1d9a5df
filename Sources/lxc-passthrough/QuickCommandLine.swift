import PassthroughAdmin
import PassthroughModel

/// The plain forms of `attach` and `detach`, read without ArgumentParser.
///
/// A live change is timed from the command's start to the device being
/// usable in the container, and ArgumentParser's reflection costs more than
/// the change itself (about 12 of 20 million instructions). These forms are
/// read here; anything else, or anything not valid (`--help`, `--mode=0660`,
/// `--`, an unknown or repeated option, a missing operand, a bad mode,
/// owner or name), returns nil and goes to ArgumentParser, which reads it or
/// says what is wrong. The values are read by the model's own parsers
/// (`NodeMode`, `Account`), as ArgumentParser reads them (their
/// `ExpressibleByArgument` conformances, ModelValues.swift).
/// `QuickCommandLineTests` checks that both read every form alike.
enum QuickCommandLine {
    enum Invocation: Equatable {
        case attach(AttachInvocation)
        case detach(DetachInvocation)
    }

    /// Reads `arguments` (without the program's name). Plain variables, not
    /// sets and dictionaries: each generic type a process first uses costs
    /// it a lookup through every conformance record of the binary.
    static func parse(_ arguments: [String]) -> Invocation? {
        var index = 0
        var lxcpath: String?, name: String?, mode: String?, uid: String?, gid: String?, mp: String?
        var denyWrite = false, temporary = false
        var operands: [String] = []
        /// Takes the value of the option at `index`: a plain word, given once.
        func value(into slot: inout String?) -> Bool {
            guard slot == nil, index + 1 < arguments.count, !arguments[index + 1].hasPrefix("-") else { return false }
            slot = arguments[index + 1]
            index += 2
            return true
        }
        /// Sets a flag given once.
        func flag(_ slot: inout Bool) -> Bool {
            guard !slot else { return false }
            slot = true
            index += 1
            return true
        }
        // -P may come before the subcommand.
        while index < arguments.count, arguments[index].hasPrefix("-") {
            switch arguments[index] {
            case "-P", "--lxcpath": guard value(into: &lxcpath) else { return nil }
            default: return nil
            }
        }
        guard index < arguments.count else { return nil }
        let subcommand = arguments[index]
        guard subcommand == "attach" || subcommand == "detach" else { return nil }
        let attach = subcommand == "attach"
        index += 1
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("-") else {
                operands.append(argument)
                index += 1
                continue
            }
            let taken: Bool
            switch argument {
            case "-P", "--lxcpath": taken = value(into: &lxcpath)
            case "-n", "--name": taken = value(into: &name)
            case "--temporary": taken = flag(&temporary)
            case "--mode" where attach: taken = value(into: &mode)
            case "--uid" where attach: taken = value(into: &uid)
            case "--gid" where attach: taken = value(into: &gid)
            case "--mp" where attach: taken = value(into: &mp)
            case "--deny-write" where attach: taken = flag(&denyWrite)
            default: taken = false
            }
            guard taken else { return nil }
        }
        if name == nil, !operands.isEmpty { name = operands.removeFirst() }
        guard operands.count == 1, let name, ManagedContainer.problem(name: name) == nil else { return nil }
        guard attach else { return .detach(DetachInvocation(lxcpath: lxcpath, name: name, target: operands[0], temporary: temporary)) }
        var invocation = AttachInvocation(
            lxcpath: lxcpath, name: name, path: operands[0], options: NodeOptions(denyWrite: denyWrite, mountPath: mp), temporary: temporary)
        do throws(DeviceSpec.Failure) {
            if let mode { invocation.options.mode = try NodeMode(mode).bits }
            if let uid { invocation.uid = try Account(uid, kind: .users) }
            if let gid { invocation.gid = try Account(gid, kind: .groups) }
        } catch {
            return nil
        }
        return .attach(invocation)
    }
}

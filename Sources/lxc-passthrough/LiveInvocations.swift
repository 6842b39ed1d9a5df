import PassthroughAdmin
import PassthroughModel
import PassthroughSystem

// What `attach` and `detach` do once their arguments are parsed: by
// ArgumentParser (`Attach`, `Detach`), or by `QuickCommandLine` for the
// plain forms, so that a live change does not pay for reflection first.

/// `lxc-passthrough attach`, its arguments parsed and validated.
struct AttachInvocation: Equatable {
    var lxcpath: String?
    var name: String
    var path: String
    /// The mode, deny-write and mp; the owner is in `uid` and `gid` until it is looked up in the container.
    var options = NodeOptions()
    var uid: Account?
    var gid: Account?
    var temporary = false

    /// Attaches; an error is one line on stderr. Returns whether it succeeded.
    func perform() -> Bool {
        let administration = Administration(container: ManagedContainer(name: name, lxcPath: lxcpath ?? ManagedContainer.defaultLXCPath()))
        let live = LinuxLiveSystem()
        return performing { () throws(AdminError) in
            let owner = try resolvedOwner(uid: uid, gid: gid, ContainerAccounts(administration, live: live))
            var options = options
            (options.uid, options.gid) = owner
            let request = AttachRequest(path: path, options: options, temporary: temporary)
            let result = try administration.attach(request, live: live, include: includePath)
            let entry = result.key.map { " as \($0)" } ?? " (temporary)"
            print("\(name): attached \(result.node.containerPath)\(entry): \(result.node.type.rawValue) \(result.node.number), mode \(octal(result.node.mode))")
            if let sync = result.sync { report(sync, container: name) }
        }
    }
}

/// `lxc-passthrough detach`, its arguments parsed and validated.
struct DetachInvocation: Equatable {
    var lxcpath: String?
    var name: String
    var target: String
    var temporary = false

    /// Detaches; an error is one line on stderr. Returns whether it succeeded.
    func perform() -> Bool {
        let administration = Administration(container: ManagedContainer(name: name, lxcPath: lxcpath ?? ManagedContainer.defaultLXCPath()))
        return performing { () throws(AdminError) in
            let result = try administration.detach(target, temporary: temporary, live: LinuxLiveSystem(), include: includePath)
            let path = result.grant.containerPath
            let entry = result.key.map { " and removed \($0)" } ?? ""
            print("\(name): detached \(path)\(entry)")
            if !result.removal.removedAtPath {
                printWarning("the node lxc-passthrough put at \(path) was no longer there (the container moved or removed it); its access is taken back")
            }
            if result.removal.stacked > 0 {
                printWarning("the container had stacked \(result.removal.stacked) mount(s) on \(path); they were taken out with it")
            }
            for copy in result.removal.copies {
                printWarning("the container had bound \(path) at \(OctalEscape.escapeForTerminal(copy)) too; taken out as well")
            }
            for copy in result.removal.unreachable {
                printWarning("the container lists a mount of \(path) at \(OctalEscape.escapeForTerminal(copy)) that could not be reached; the device rules refuse it")
            }
            for holder in result.holders {
                printWarning("\(holder) still has \(path) open; the kernel lets it keep using the device until it closes it")
            }
            if let sync = result.sync { report(sync, container: name) }
        }
    }
}

/// Runs `body`; an `AdminError` becomes one line on stderr. Returns whether it succeeded.
func performing(_ body: () throws(AdminError) -> Void) -> Bool {
    reported(body) != nil
}

/// Runs `body`; an `AdminError` becomes one line on stderr, and nil.
func reported<T>(_ body: () throws(AdminError) -> T) -> T? {
    do {
        return try body()
    } catch {
        printError(error.description)
        return nil
    }
}

/// The owner of a node as numbers: a name is looked up in the container (and
/// what it resolved to is told).
func resolvedOwner(uid: Account?, gid: Account?, _ accounts: ContainerAccounts) throws(AdminError) -> (uid: UInt32?, gid: UInt32?) {
    let user = try accounts.resolve(uid, .users), group = try accounts.resolve(gid, .groups)
    for note in [user.note, group.note].compactMap({ $0 }) { print("\(accounts.administration.container.name): \(note)") }
    return (user.id, group.id)
}

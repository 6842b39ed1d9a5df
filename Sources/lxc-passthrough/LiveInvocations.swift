import PassthroughAdmin
import PassthroughModel
import PassthroughSystem
import PassthroughWatch

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
    /// `--usb`, `--usb-port`, `--nodes`: a USB device by what it is, instead of `path`.
    var usb: DeviceSelector?

    /// Attaches; an error is one line on stderr. Returns whether it succeeded.
    func perform() -> Bool {
        let administration = Administration(container: ManagedContainer(name: name, lxcPath: lxcpath ?? ManagedContainer.defaultLXCPath()))
        let live = LinuxLiveSystem()
        return performing { () throws(AdminError) in
            let owner = try resolvedOwner(uid: uid, gid: gid, ContainerAccounts(administration, live: live))
            var options = options
            (options.uid, options.gid) = owner
            var request = AttachRequest(path: path, options: options, temporary: temporary)
            if case .usb(let selector, let nodes) = usb { request = AttachRequest(usb: selector, nodes: nodes, options: options, temporary: temporary) }
            let result = try administration.attach(request, live: live, include: includePath)
            let entry = result.key.map { " as \($0)" } ?? " (temporary)"
            for node in result.nodes {
                print("\(name): attached \(OctalEscape.escapeForTerminal(node.containerPath))\(entry): \(node.type.rawValue) \(node.number), mode \(octal(node.mode))")
            }
            if let sync = result.sync { report(sync, container: name) }
            if let running = result.running {
                for line in CommandUevents.tell(given: result.given, taken: [], running: running, sysfsDirectories: result.sysfsDirectories) {
                    printWarning(line)
                }
            }
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
            for notice in result.notices { printWarning(notice) }
            for holder in result.holders {
                printWarning("\(holder) still has \(path) open; the kernel lets it keep using the device until it closes it")
            }
            if let sync = result.sync { report(sync, container: name) }
            if let running = result.running, result.tellsContainer {
                for line in CommandUevents.tell(given: [], taken: [result.grant], running: running) { printWarning(line) }
            }
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

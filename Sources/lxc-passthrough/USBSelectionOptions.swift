import ArgumentParser
import PassthroughModel

/// `--usb`, `--usb-port` and `--nodes` as `add` and `attach` read them: a USB
/// device by what it is, instead of a path; `selector` makes them the
/// model's `DeviceSelector`.
struct USBSelectionOptions: ParsableArguments {
    @Option(
        name: .customLong("usb"),
        help: ArgumentHelp(
            "A USB device by vendor and product id (four hexadecimal digits each), and optionally its serial, instead of PATH; repeat for a device that changes its ids.",
            valueName: "VID:PID[:SERIAL]"))
    var identities: [USBIdentityAndSerial] = []

    @Option(
        name: .customLong("usb-port"),
        help: ArgumentHelp("A USB device by the port it is plugged into (its sysfs name, such as 1-2.3), instead of PATH.", valueName: "PORT"))
    var port: USBPort?

    @Option(help: ArgumentHelp("With --usb or --usb-port: usb, the device's own /dev/bus/usb node (default), or all, every node below it in sysfs.", valueName: "usb|all"))
    var nodes: USBNodes?

    /// Whether a USB device is asked for.
    var isGiven: Bool { !identities.isEmpty || port != nil }

    /// The USB device asked for, with its nodes (`--nodes`, else its own
    /// node); nil when none is.
    func selector() throws(USBIdentityAndSerial.Failure) -> DeviceSelector? {
        guard isGiven else { return nil }
        return .usb(try USBIdentityAndSerial.selector(identities, port: port), nodes: nodes ?? .usb)
    }

    /// Refuses what cannot go with a USB device: a `path`, `--gpu` (`add`
    /// only), an `mp`, a selector the model refuses; and `--nodes` without
    /// one. Called from the subcommand's `validate`, which has the others.
    func check(path: String?, gpu: Bool = false, mp: String?) throws {
        guard isGiven else {
            if nodes != nil { throw ValidationError("--nodes says which nodes of a USB device are given: it needs --usb or --usb-port") }
            return
        }
        if let path { throw ValidationError("--usb and --usb-port select a USB device: they take no PATH ('\(path)')") }
        if gpu { throw ValidationError("--usb and --usb-port select one USB device: they cannot be used with --gpu") }
        if mp != nil { throw ValidationError("a USB device's nodes go at the paths udev gives them: --mp cannot be used with --usb or --usb-port") }
        do {
            _ = try selector()
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

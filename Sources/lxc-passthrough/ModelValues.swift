import ArgumentParser
import PassthroughModel

// The values of --mode, --uid, --gid, --required, --usb, --usb-port and
// --nodes, read by ArgumentParser with the model's own parsers, the ones
// entries and QuickCommandLine use. A
// refusal is ArgumentParser's "The value '0999' is invalid for '--mode
// <MODE>'", followed by the option's help, which says what is expected.

extension NodeMode: ExpressibleByArgument {
    public init?(argument: String) {
        guard let mode = try? NodeMode(argument) else { return nil }
        self = mode
    }
}

extension Account: ExpressibleByArgument {
    /// A number or a name alike for users and groups (the kind only words the model's refusal).
    public init?(argument: String) {
        guard let account = try? Account(argument, kind: .users) else { return nil }
        self = account
    }
}

extension BooleanSetting: ExpressibleByArgument {
    public init?(argument: String) {
        guard let setting = try? BooleanSetting(argument, key: "required") else { return nil }
        self = setting
    }
}

extension USBIdentityAndSerial: ExpressibleByArgument {
    public init?(argument: String) {
        guard let value = try? USBIdentityAndSerial(argument) else { return nil }
        self = value
    }
}

extension USBPort: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

extension USBNodes: ExpressibleByArgument {}

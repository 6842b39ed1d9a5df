import Glibc

/// How this process was called, read straight from `argv` and `getenv`:
/// only the few strings a hook needs are made. `CommandLine.arguments` (an
/// array of every argument) and a dictionary of the variables cost autodev
/// about 42,000 of its 323,000 instructions at 0 devices, most of it the
/// runtime's first instantiation of the array and dictionary types.
public struct HookInvocation: Sendable {
    /// What the arguments ask for.
    public enum Request: Equatable, Sendable {
        case version
        case help
        case run
    }

    public var request: Request
    /// TYPE of hook version 0's arguments `NAME lxc TYPE`; empty when they are not of that form.
    public var versionZeroType: String
    public var variables: HookVariables

    public init(request: Request, versionZeroType: String, variables: HookVariables) {
        self.request = request
        self.versionZeroType = versionZeroType
        self.variables = variables
    }

    /// This process's.
    public static func current() -> HookInvocation {
        let argv = CommandLine.unsafeArgv
        var count = 0
        while argv[count + 1] != nil { count += 1 }
        // argv[1 ... count] are the arguments.
        func argument(_ index: Int, is text: String) -> Bool { strcmp(argv[index + 1]!, text) == 0 }
        var request = Request.run
        if count == 1 && argument(0, is: "--version") {
            request = .version
        } else if count == 1 && (argument(0, is: "--help") || argument(0, is: "-h")) {
            request = .help
        }
        let type = count >= 3 && argument(count - 2, is: "lxc") ? String(cString: argv[count]!) : ""
        return HookInvocation(request: request, versionZeroType: type, variables: .current())
    }

    /// The hook type LXC ran the program as: `LXC_HOOK_TYPE` for hook
    /// version 1, the last of the arguments `NAME lxc TYPE` for version 0;
    /// empty when neither says.
    public var calledType: String {
        if variables.hookVersion != "1" && !versionZeroType.isEmpty { return versionZeroType }
        return variables.hookType
    }
}

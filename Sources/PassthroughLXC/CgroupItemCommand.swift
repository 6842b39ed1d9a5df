import PassthroughModel
import PassthroughSystem

/// liblxc's `set_cgroup_item` as a request to a `Worker`. liblxc waits for a
/// monitor's answer with no time limit, and a monitor answers only from its
/// main loop (not while it runs a hook, say): a process that must never
/// wait on a container (the watcher) has the call made in its worker, and
/// waits for the answer at most until the worker's deadline.
public enum CgroupItemCommand {
    /// The request's first field.
    public static let verb = "cgroup"

    public static func request(container name: String, lxcPath: String, _ key: String, _ value: String) -> [UInt8] {
        MessageFields.encode([verb, name, lxcPath, key, value])
    }

    /// In the worker: the call, with a liblxc handle per container kept for
    /// as long as the worker lives. The answer: `0`, the errno liblxc left,
    /// `none` for a failure without one, `new` when the handle cannot be made.
    public static func perform(_ fields: [String]) -> [UInt8] {
        guard fields.count == 5, fields[0] == verb else { return MessageFields.encode(["malformed"]) }
        let key = fields[2] + "/" + fields[1]
        if handles[key] == nil, let made = try? LXCContainer(name: fields[1], lxcPath: fields[2]) { handles[key] = Handle(made) }
        guard let handle = handles[key] else { return MessageFields.encode(["new"]) }
        do throws(LXCError) {
            try handle.lxc.setCgroupItem(fields[3], fields[4])
            return MessageFields.encode(["0"])
        } catch {
            return MessageFields.encode([error.errno == 0 ? "none" : String(error.errno)])
        }
    }

    /// What the worker's answer says of the call.
    public static func result(of answer: [UInt8], container name: String, _ key: String, _ value: String) throws(LXCError) {
        let fields = MessageFields.decodeText(answer) ?? []
        switch fields.first {
        case "0":
            return
        case "new":
            throw LXCError(call: "lxc_container_new", container: name, errno: 0)
        case "none":
            throw LXCError(call: "set_cgroup_item", container: name, argument: "\(key) = \(value)", errno: 0)
        default:
            guard let code = fields.first.flatMap({ Int32($0) }), code > 0 else {
                throw LXCError(call: "set_cgroup_item", container: name, argument: "\(key) = \(value) (a garbled answer from the worker)", errno: 0)
            }
            throw LXCError(call: "set_cgroup_item", container: name, argument: "\(key) = \(value)", errno: code)
        }
    }

    /// The worker's handles (it is single-threaded; the parent never has any).
    nonisolated(unsafe) private static var handles: [String: Handle] = [:]

    private final class Handle {
        let lxc: LXCContainer
        init(_ lxc: consuming LXCContainer) { self.lxc = lxc }
    }
}

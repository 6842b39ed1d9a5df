import Foundation
import Glibc
import Testing

/// A busybox container made with lxc-create for one test, destroyed by `destroy()`.
final class Container {
    let name: String
    let unprivileged: Bool
    /// The container path, when not LXC's default (`-P`): a test's own, which no other process watches.
    let lxcPath: String?
    var configPath: String { directory + "/config" }
    var directory: String { "\(lxcPath ?? "/var/lib/lxc")/\(name)" }
    /// `-n NAME`, and `-P PATH` when the container path is not the default: for LXC's tools and lxc-passthrough alike.
    var named: [String] { ["-n", name] + (lxcPath.map { ["-P", $0] } ?? []) }
    var logPath: String { "/tmp/\(name).log" }

    /// - Parameter firstLines: config lines put before the template's, e.g.
    ///   includes of common.conf and userns.conf as Debian's templates have them.
    init(_ label: String, unprivileged: Bool, include: Bool = true, firstLines: [String] = [], lxcPath: String? = nil) throws {
        name = "ptest-\(label)-\(UInt32.random(in: 0...0xffff))"
        self.lxcPath = lxcPath
        self.unprivileged = unprivileged
        var arguments = ["lxc-create"] + named + ["-t", "busybox"]
        var idmapFile: String?
        if unprivileged {
            let file = "/tmp/\(name).idmap"
            try "lxc.idmap = u 0 100000 65536\nlxc.idmap = g 0 100000 65536\n".write(toFile: file, atomically: true, encoding: .utf8)
            arguments += ["-f", file]
            idmapFile = file
        }
        let created = run(arguments)
        if let idmapFile { try? FileManager.default.removeItem(atPath: idmapFile) }
        guard created.succeeded else { throw Failure("lxc-create failed: \(created)") }
        // No bridge here: drop the template's network.
        var lines = firstLines.map { Substring($0) }
            + (try String(contentsOfFile: configPath, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
                .filter { !$0.hasPrefix("lxc.net.0") })
        lines.append("lxc.net.0.type = empty")
        if include { lines.append("lxc.include = \(EndToEnd.configInclude)") }
        try (lines.joined(separator: "\n") + "\n").write(toFile: configPath, atomically: false, encoding: .utf8)
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    func append(_ lines: String...) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: configPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((lines.joined(separator: "\n") + "\n").utf8))
        try handle.close()
    }

    /// Starts in the background with a log file; waits until RUNNING.
    @discardableResult
    func start() -> CommandResult {
        try? FileManager.default.removeItem(atPath: logPath)
        let result = run(["lxc-start"] + named + ["-d", "-o", logPath, "-l", "DEBUG"])
        if result.succeeded { _ = run(["lxc-wait"] + named + ["-s", "RUNNING", "-t", "10"]) }
        return result
    }

    /// Starts in the foreground (`-F`) as an administrator would to see why a
    /// start fails, with the log at LXC's default level. A start that should
    /// have failed but worked ends after 30 s with SIGKILL (which takes the
    /// container with it): lxc-start -F passes SIGTERM to the container's
    /// init, and busybox's init takes it as a reboot, so TERM alone never ends it.
    func startInForeground() -> CommandResult {
        try? FileManager.default.removeItem(atPath: logPath)
        return run(["timeout", "-k", "5", "30", "lxc-start"] + named + ["-F", "-o", logPath])
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    func stop(kill: Bool = true) {
        run(["lxc-stop"] + named + (kill ? ["-k"] : ["-t", "10"]))
        _ = run(["lxc-wait"] + named + ["-s", "STOPPED", "-t", "10"])
    }

    var state: String {
        run(["lxc-info"] + named + ["-s", "-H"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Runs a shell command inside the running container.
    @discardableResult
    func attach(_ command: String) -> CommandResult {
        run(["lxc-attach"] + named + ["--", "/bin/sh", "-c", command])
    }

    /// `TYPE MAJOR:MINOR MODE UID:GID` of a path inside the container, as
    /// busybox's stat prints it (major and minor in hex).
    func describe(_ path: String) -> String {
        attach("stat -c '%F %t:%T %a %u:%g' '\(path)'").output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// pid of the container's init on the host.
    var initPID: Int? { Int(run(["lxc-info"] + named + ["-p", "-H"]).output.trimmingCharacters(in: .whitespacesAndNewlines)) }

    /// pid of the monitor (lxc-start) process: the parent of init.
    var monitorPID: Int? {
        guard let pid = initPID, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int(fields[1]) : nil
    }

    /// Mounts of our tmpfs in the monitor's mount namespace.
    func monitorPassthroughMounts() -> [String] {
        guard let pid = monitorPID, let text = try? String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init).filter { $0.contains(" \(directory)/lxc-passthrough ") }
    }

    func destroy() {
        run(["lxc-stop"] + named + ["-k"])
        run(["lxc-destroy"] + named + ["-f"])
        try? FileManager.default.removeItem(atPath: logPath)
        // A monitor killed by a test cannot remove its cgroups: the empty ones left are removed here
        // (rmdir takes only an empty cgroup), in each cgroup v1 hierarchy and at the v2 root.
        let roots = ["/sys/fs/cgroup"] + ((try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? []).map { "/sys/fs/cgroup/" + $0 }
        for root in roots {
            for kind in ["lxc.monitor.", "lxc.payload."] { rmdir(root + "/" + kind + name) }
        }
    }
}

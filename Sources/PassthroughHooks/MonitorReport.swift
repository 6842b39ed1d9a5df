import Glibc
import PassthroughModel
import PassthroughSystem

/// Delivers a hook's error message (or warning) where the administrator looks.
///
/// LXC sends a hook's stdout and stderr into one pipe that it logs only at
/// DEBUG, and `lxc-start -F` shows neither. So a failing hook also writes its
/// message to the stderr of the `lxc-start` process that runs it (the
/// terminal of `lxc-start -F`) and appends it as an ERROR line to that
/// process's log file (`-o`/`--logfile`, else `lxc.log.file`), found among the
/// files `lxc-start` has open. Each of these is best effort.
public enum MonitorReport {
    /// As LXC's log names them.
    public enum Level: String, Sendable {
        case error = "ERROR   "
        case warning = "WARN    "

        var word: String { self == .error ? "error" : "warning" }
    }

    public static func deliver(program: String, containerName: String?, configFile: String?, message: String, level: Level = .error) {
        guard let monitor = findLXCStart() else { return }
        let stderrTarget = readLink("/proc/\(monitor)/fd/2")
        if let stderrTarget, stderrTarget != "/dev/null" {
            append(monitor: monitor, descriptor: 2, text: "\(program): \(level.word): \(message)\n")
        }
        guard let descriptor = logDescriptor(monitor: monitor, configFile: configFile), descriptor != 2 || stderrTarget == nil
        else { return }
        let line = "lxc-start \(containerName ?? "?") \(timestamp()) \(level.rawValue) \(program) - \(message)\n"
        append(monitor: monitor, descriptor: descriptor, text: line)
    }

    /// The pid of the closest `lxc-start` ancestor (at most three levels up:
    /// LXC runs hooks through `/bin/sh -c`). Parents are read from
    /// /proc/PID/stat rather than getppid(), which answers in this process's
    /// pid namespace while /proc may be the host's.
    static func findLXCStart() -> Int? {
        var pid = "self"
        for _ in 0..<3 {
            guard let parent = parentPID(of: pid), parent > 1 else { return nil }
            if (try? readSmallFile("/proc/\(parent)/comm")) == "lxc-start\n" { return parent }
            pid = String(parent)
        }
        return nil
    }

    static func parentPID(of pid: String) -> Int? {
        guard let stat = try? readSmallFile("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1 else { return nil }
        return Int(fields[1])
    }

    /// The monitor's descriptor of its log file: the file its `-o` argument or
    /// `lxc.log.file` names; or, once a daemonized monitor has replaced its
    /// command line with its title (`[lxc monitor] LXCPATH NAME`), the one
    /// regular file it has open write-only for appending, as LXC opens its log.
    static func logDescriptor(monitor: Int, configFile: String?) -> Int? {
        if let logFile = logFile(monitor: monitor, configFile: configFile) {
            return openDescriptor(of: monitor, target: logFile)
        }
        guard let directory = try? FileDescriptor.open("/proc/\(monitor)/fd", flags: O_RDONLY | O_DIRECTORY),
              let names = try? directory.directoryEntries()
        else { return nil }
        let appending = names.compactMap(Int.init).filter { descriptor in
            guard descriptor > 2, let info = try? FileSystem.status("/proc/\(monitor)/fd/\(descriptor)"), info.st_mode & S_IFMT == S_IFREG,
                  let fdinfo = try? readSmallFile("/proc/\(monitor)/fdinfo/\(descriptor)"),
                  let line = fdinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags:") }),
                  let flags = Int32(line.dropFirst("flags:".count).drop(while: { $0 == "\t" || $0 == " " }), radix: 8)
            else { return false }
            return flags & O_ACCMODE == O_WRONLY && flags & O_APPEND != 0
        }
        return appending.count == 1 ? appending[0] : nil
    }

    /// The log file lxc-start writes: its `-o`/`--logfile` argument, else `lxc.log.file` of the config.
    static func logFile(monitor: Int, configFile: String?) -> String? {
        if let arguments = try? readSmallFile("/proc/\(monitor)/cmdline") {
            let words = arguments.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
            var found: String?
            for (index, word) in words.enumerated() {
                if (word == "-o" || word == "--logfile"), index + 1 < words.count { found = words[index + 1] }
                else if word.hasPrefix("--logfile=") { found = String(word.dropFirst("--logfile=".count)) }
                else if word.hasPrefix("-o"), word.count > 2 { found = String(word.dropFirst(2)) }
            }
            if let found {
                return found.hasPrefix("/") ? found : (readLink("/proc/\(monitor)/cwd") ?? "") + "/" + found
            }
        }
        guard let configFile else { return nil }
        let reader = ConfigReader(readFile: ConfigFiles.content(of:))
        return try? reader.lastValue(of: "lxc.log.file", configPath: configFile)
    }

    static func openDescriptor(of pid: Int, target: String) -> Int? {
        guard let directory = try? FileDescriptor.open("/proc/\(pid)/fd", flags: O_RDONLY | O_DIRECTORY),
              let names = try? directory.directoryEntries()
        else { return nil }
        return names.compactMap(Int.init).sorted().first { readLink("/proc/\(pid)/fd/\($0)") == target }
    }

    /// Writes through a duplicate of the monitor's own descriptor
    /// (`pidfd_getfd`), which shares its file offset: a line written to a
    /// file that lxc-start writes without O_APPEND is not overwritten by its
    /// next write. Falls back to opening /proc/PID/fd/N for appending.
    static func append(monitor: Int, descriptor: Int, text: String) {
        let bytes = Array(text.utf8)
        let path = "/proc/\(monitor)/fd/\(descriptor)"
        if let process = try? FileDescriptor.process(Int32(monitor)),
           let copy = try? process.duplicate(processDescriptor: Int32(descriptor), describedAs: path) {
            try? copy.writeAll(bytes)
            return
        }
        guard let file = try? FileDescriptor.open(path, flags: O_WRONLY | O_APPEND | O_NOCTTY) else { return }
        try? file.writeAll(bytes)
    }

    static func readLink(_ path: String) -> String? {
        guard let target = try? FileSystem.readLink(path), !target.isEmpty else { return nil }
        return target
    }

    static func readSmallFile(_ path: String) throws(SystemError) -> String {
        String(decoding: try FileSystem.readFile(path, limit: 1 << 16), as: UTF8.self)
    }

    /// LXC's log time stamp: local time as YYYYMMDDhhmmss.mmm.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        localtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2)
            + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2)
            + "." + pad(Int32(now.tv_nsec / 1_000_000), 3)
    }
}

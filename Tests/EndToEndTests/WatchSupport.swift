import Foundation
import Glibc

/// `lxc-passthrough watch` running in the background, its output in a file.
final class WatcherProcess {
    let process = Process()
    let logPath = "/tmp/lxcpt-watch-\(UInt32.random(in: 0...0xffffff)).log"

    /// - Parameter commandLine: how `lxc-passthrough watch` is run (in a
    ///   stand-in's namespace: `USBStandIn.inNamespace`); its process must
    ///   become the watcher (`exec`), which signals are sent to.
    init(commandLine: [String] = [EndToEnd.command, "watch"]) throws {
        guard FileManager.default.createFile(atPath: logPath, contents: nil), let output = FileHandle(forWritingAtPath: logPath) else {
            throw Container.Failure("cannot create \(logPath)")
        }
        process.executableURL = URL(fileURLWithPath: commandLine[0].hasPrefix("/") ? commandLine[0] : "/usr/bin/" + commandLine[0])
        process.arguments = Array(commandLine.dropFirst())
        process.standardOutput = output
        process.standardError = output
        try process.run()
        try output.close()
        guard eventually(seconds: 10, { self.log.contains("watching the containers") }) else {
            stop(signal: SIGKILL)
            throw Container.Failure("the watcher did not start: \(log)")
        }
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    var pid: Int32 { process.processIdentifier }

    /// Sends SIGTERM; whether the watcher ended within `seconds` (if not, it is killed).
    func stops(within seconds: Double) -> Bool {
        guard process.isRunning else { return true }
        kill(process.processIdentifier, SIGTERM)
        let stopped = eventually(seconds: seconds) { !process.isRunning }
        if !stopped { stop(signal: SIGKILL) }
        return stopped
    }

    /// Sends `signal` and waits for the watcher to end.
    func stop(signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    deinit {
        stop(signal: SIGKILL)
        try? FileManager.default.removeItem(atPath: logPath)
    }
}

/// Polls `condition` every 20 ms until it holds, for at most `seconds`.
func eventually(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

/// Loop devices made and removed with a number of one's choosing
/// (`LOOP_CTL_ADD`/`LOOP_CTL_REMOVE` on /dev/loop-control): real hotplug,
/// with the kernel's uevents, and a number that can be taken again.
enum LoopControl {
    static let add: UInt = 0x4C80
    static let remove: UInt = 0x4C81

    /// A loop number no device has, above those `losetup -f` hands out.
    static func freeNumber() -> Int {
        while true {
            let number = Int.random(in: 300..<1000)
            if !FileManager.default.fileExists(atPath: "/dev/loop\(number)") { return number }
        }
    }

    static func control(_ request: UInt, _ number: Int) throws {
        let fd = open("/dev/loop-control", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { throw Container.Failure("open /dev/loop-control: errno \(errno)") }
        defer { close(fd) }
        // A block device just added is busy for a moment (the kernel reads its partition table).
        for _ in 0..<2000 {
            if ioctl(fd, request, CInt(number)) >= 0 { return }
            guard errno == EBUSY else { break }
            usleep(1_000)
        }
        throw Container.Failure("ioctl(/dev/loop-control, \(request == add ? "LOOP_CTL_ADD" : "LOOP_CTL_REMOVE"), \(number)): errno \(errno)")
    }
}

/// A loop device plugged in as number `number` over an image file, and
/// unplugged again (detached and removed, as a USB disk pulled out).
final class PluggedLoop {
    let number: Int
    let image: String
    var device: String { "/dev/loop\(number)" }
    private(set) var plugged = false

    init(number: Int, image: String) throws {
        self.number = number
        self.image = image
        try plug()
    }

    func plug() throws {
        try LoopControl.control(LoopControl.add, number)
        let attached = run(["losetup", device, image])
        guard attached.succeeded else { throw Container.Failure("losetup \(device) \(image): \(attached)") }
        plugged = true
    }

    func unplug() throws {
        guard plugged else { return }
        run(["losetup", "-d", device])
        try LoopControl.control(LoopControl.remove, number)
        plugged = false
    }

    deinit { try? unplug() }
}

/// A 1 MiB image file, removed at the end.
final class ImageFile {
    let path = "/tmp/lxcpt-e2e-\(UInt32.random(in: 0...0xffffff)).img"

    init() throws {
        guard FileManager.default.createFile(atPath: path, contents: Data(count: 1 << 20)) else { throw Container.Failure("cannot create \(path)") }
    }

    func prefix(_ count: Int) -> String {
        let handle = FileHandle(forReadingAtPath: path)
        defer { try? handle?.close() }
        return String(decoding: handle?.readData(ofLength: count) ?? Data(), as: UTF8.self)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

extension Container {
    /// Whether `path` in the container is a device node that opens for reading
    /// (not the empty file a node is mounted onto, which opens too).
    func opens(_ path: String) -> Bool { attach("{ [ -b '\(path)' ] || [ -c '\(path)' ]; } && exec 3< '\(path)'").succeeded }

    /// Whether nothing is at `path` in the container.
    func lacks(_ path: String) -> Bool { attach("[ ! -e '\(path)' ]").succeeded }

    /// How many mounts the container's mount table has at `path`.
    func mounts(at path: String) -> Int {
        guard let pid = initPID, let text = try? String(contentsOfFile: "/proc/\(pid)/mountinfo", encoding: .utf8) else { return -1 }
        return text.split(separator: "\n").filter { $0.split(separator: " ").dropFirst(4).first.map(String.init) == path }.count
    }
}

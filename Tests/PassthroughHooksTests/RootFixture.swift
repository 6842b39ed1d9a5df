import Glibc
import PassthroughModel
import PassthroughSystem
import Testing
@testable import PassthroughHooks

/// A container directory with a passthrough directory made by hand (no
/// tmpfs): node `devN` is /dev/zero's number for every item, and the list
/// names the given container paths.
struct HandMadeContainer {
    let container: String
    let passthrough: String
    let rootfs: String
    let dev: String
    let zero: stat
    let context: HookContext

    init(_ scratch: RootScratch, items: [(Int, String)], mountTmpfs: Bool = true) throws {
        container = try scratch.makeDirectory("ct2")
        try RootFixture.writeFile(container + "/config", "lxc.uts.name = ct2\n")
        passthrough = try scratch.makeDirectory("ct2/lxc-passthrough")
        // As pre-start leaves it: a tmpfs of its own (autodev ignores a plain directory).
        if mountTmpfs {
            try #require(mount("none", passthrough, "tmpfs", 0, "mode=0755") == 0)
            scratch.expectedMounts.insert("ct2/lxc-passthrough")
        }
        zero = try #require(RootFixture.status("/dev/zero"))
        let number = DeviceNumber(zero.st_rdev)
        var listed: [DeviceList.Item] = []
        for (index, path) in items {
            let key = try #require(DeviceKey(index: index))
            try RootFixture.makeNode(passthrough + "/\(key)", mode: S_IFCHR | 0o600, device: zero.st_rdev)
            listed.append(DeviceList.Item(key: key, type: .character, number: number, path: path))
        }
        try RootFixture.writeFile(passthrough + "/devices", DeviceList(listed).encoded())
        rootfs = try scratch.makeDirectory("rootfs")
        dev = try scratch.makeDirectory("rootfs/dev")
        context = try RootFixture.context("autodev", container: container, rootfs: rootfs)
    }
}

/// A directory of one test under /tmp. `with` runs the test in a new one,
/// then unmounts everything below it and removes it, and records an issue
/// for anything left that it could not undo: each test checks its own
/// leftovers, whether it passes or fails.
final class RootScratch {
    static let prefix = "/tmp/lxcpt-root-it."

    let root: String

    /// Mounts below the root (relative paths) that may be there when the test
    /// ends: those a fixture made, and those the test leaves on purpose.
    var expectedMounts: Set<String> = []

    /// Runs a test in a new scratch directory, then checks that exactly the
    /// mounts expected are left below it (any other is an issue), unmounts
    /// everything and removes it.
    /// - Parameter leaving: mounts the test leaves on purpose, relative to the
    ///   root: a hook it runs is not followed by the one that would unmount
    ///   them, as post-stop follows pre-start.
    static func with<T>(leaving: [String] = [], _ body: (RootScratch) throws -> T) throws -> T {
        let scratch = try RootScratch()
        scratch.expectedMounts.formUnion(leaving)
        defer {
            let left = Set(RootFixture.mounts(below: scratch.root).map { String($0.mountPoint.dropFirst(scratch.root.count + 1)) })
            if left != scratch.expectedMounts {
                Issue.record("mounts left behind: \(left.sorted()); expected: \(scratch.expectedMounts.sorted())")
            }
            scratch.cleanUp()
        }
        return try body(scratch)
    }

    private init() throws {
        var template = Array((RootScratch.prefix + "XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw SystemError(call: "mkdtemp", path: RootScratch.prefix + "XXXXXX", errno: errno) }
        let path = String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // mountinfo shows canonical paths.
        guard let resolved = realpath(path, nil) else { throw SystemError(call: "realpath", path: path, errno: errno) }
        root = String(cString: resolved)
        free(resolved)
    }

    func path(_ relative: String) -> String { root + "/" + relative }

    /// Where the hooks keep their records in this test (not the host's /run/lxc-passthrough).
    var records: GrantRecordStore { GrantRecordStore(directory: path("records")) }

    @discardableResult
    func makeDirectory(_ relative: String, parents: Bool = false) throws -> String {
        if parents {
            var partial = root
            for component in relative.split(separator: "/") {
                partial += "/" + component
                if mkdir(partial, 0o755) != 0 && errno != EEXIST { throw SystemError(call: "mkdir", path: partial, errno: errno) }
            }
            return partial
        }
        let full = path(relative)
        if mkdir(full, 0o755) != 0 { throw SystemError(call: "mkdir", path: full, errno: errno) }
        return full
    }

    private func cleanUp() {
        for _ in 0..<100 {
            let mounted = RootFixture.mounts(below: root)
            if mounted.isEmpty { break }
            // Topmost first: the latest mount at the deepest path.
            for entry in mounted.sorted(by: { ($0.mountPoint.utf8.count, $0.mountID) > ($1.mountPoint.utf8.count, $1.mountID) }) {
                _ = umount2(entry.mountPoint, Int32(MNT_DETACH))
            }
        }
        let left = RootFixture.mounts(below: root)
        if !left.isEmpty {
            Issue.record("cannot unmount \(left.map(\.mountPoint)); not removing \(root)")
            return
        }
        guard let top = RootFixture.status(root) else { return }
        RootFixture.removeTree(root, device: top.st_dev)
        if RootFixture.status(root) != nil { Issue.record("\(root) is still there") }
    }
}

/// One line of /proc/self/mountinfo.
struct RootMountInfoEntry: CustomStringConvertible {
    var mountID: Int
    var mountPoint: String
    var mountOptions: [String]
    var fsType: String
    var superOptions: [String]

    var description: String { "\(mountID) \(mountPoint) \(fsType) \(mountOptions.joined(separator: ","))" }
}

enum RootFixture {
    /// Whether pre-start may mount here: not in PID 1's mount namespace,
    /// which it refuses (test.sh runs the tests under unshare -m). Where PID
    /// 1's cannot be looked at (a sandbox), pre-start cannot tell either.
    static let hasOwnMountNamespace: Bool = {
        guard let host = statusFollowing("/proc/1/ns/mnt") else { return true }
        guard let own = statusFollowing("/proc/self/ns/mnt") else { return false }
        return own.st_ino != host.st_ino || own.st_dev != host.st_dev
    }()

    /// `stat`, following symlinks (the /proc/PID/ns links), or nil.
    static func statusFollowing(_ path: String) -> stat? {
        var result = stat()
        return stat(path, &result) == 0 ? result : nil
    }

    static func context(_ type: String, container: String, rootfs: String? = nil) throws -> HookContext {
        var environment = ["LXC_NAME": "ct", "LXC_CONFIG_FILE": container + "/config", "LXC_HOOK_TYPE": type]
        if let rootfs { environment["LXC_ROOTFS_MOUNT"] = rootfs }
        return try HookContext(type: type, arguments: [], environment: environment, needsRootfs: rootfs != nil)
    }

    /// Runs `body` with the process's umask set to `mask`, then restores it.
    static func withUmask<T>(_ mask: mode_t, _ body: () throws -> T) rethrows -> T {
        let old = umask(mask)
        defer { umask(old) }
        return try body()
    }

    // MARK: mountinfo

    static func mountTable() -> [RootMountInfoEntry] {
        guard let bytes = try? readFile("/proc/self/mountinfo") else {
            Issue.record("cannot read /proc/self/mountinfo")
            return []
        }
        var result: [RootMountInfoEntry] = []
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            guard let dash = fields.firstIndex(where: { $0.elementsEqual("-".utf8) }), dash >= 6, fields.count >= dash + 4,
                  let id = Int(String(decoding: fields[0], as: UTF8.self))
            else { continue }
            result.append(RootMountInfoEntry(
                mountID: id,
                mountPoint: unescape(fields[4]),
                mountOptions: String(decoding: fields[5], as: UTF8.self).split(separator: ",").map(String.init),
                fsType: String(decoding: fields[dash + 1], as: UTF8.self),
                superOptions: String(decoding: fields[dash + 3], as: UTF8.self).split(separator: ",").map(String.init)))
        }
        return result
    }

    /// Undoes mountinfo's `\ooo` escapes (space, tab, newline, backslash).
    static func unescape(_ field: ArraySlice<UInt8>) -> String {
        var bytes: [UInt8] = []
        var index = field.startIndex
        while index < field.endIndex {
            let byte = field[index]
            if byte == UInt8(ascii: "\\"), field.endIndex - index >= 4 {
                let digits = field[(index + 1)...(index + 3)]
                if digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "7")).contains($0) }) {
                    bytes.append(digits.reduce(0) { $0 &* 8 &+ ($1 - UInt8(ascii: "0")) })
                    index += 4
                    continue
                }
            }
            bytes.append(byte)
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func mounts(at path: String) -> [RootMountInfoEntry] {
        mountTable().filter { $0.mountPoint == path }
    }

    static func mounts(below root: String) -> [RootMountInfoEntry] {
        mountTable().filter { $0.mountPoint == root || $0.mountPoint.hasPrefix(root + "/") }
    }

    static func mountTmpfs(at path: String) throws {
        if mount("none", path, "tmpfs", 0, "size=64k") != 0 { throw SystemError(call: "mount", path: path, errno: errno) }
    }

    // MARK: files

    /// `lstat`, or nil when there is nothing at `path`.
    static func status(_ path: String) -> stat? {
        var result = stat()
        return lstat(path, &result) == 0 ? result : nil
    }

    static func fileType(_ info: stat) -> mode_t { info.st_mode & S_IFMT }

    static func isDirectory(_ path: String) -> Bool {
        status(path).map { fileType($0) == S_IFDIR } ?? false
    }

    static func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw SystemError(call: "open", path: path, errno: errno) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard try writeSome(fd: fd, path: path, bytes) == bytes.count else { throw SystemError(call: "write", path: path, errno: EIO) }
    }

    /// One `write(2)` to the file at `path`; the count written.
    static func writeSome(_ path: String, _ bytes: [UInt8]) throws -> Int {
        let fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw SystemError(call: "open", path: path, errno: errno) }
        defer { close(fd) }
        return try writeSome(fd: fd, path: path, bytes)
    }

    private static func writeSome(fd: Int32, path: String, _ bytes: [UInt8]) throws -> Int {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written >= 0 else { throw SystemError(call: "write", path: path, errno: errno) }
        return written
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw SystemError(call: "open", path: path, errno: errno) }
        defer { close(fd) }
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw SystemError(call: "read", path: path, errno: errno) }
            if count == 0 { return result }
            result += buffer[..<count]
            guard result.count < 1 << 24 else { throw SystemError(call: "read", path: path, errno: EFBIG) }
        }
    }

    /// The first `count` bytes read from the file at `path` (a device that
    /// never ends, or an empty file that reads nothing).
    static func readPrefix(_ path: String, count: Int) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { throw SystemError(call: "open", path: path, errno: errno) }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0xff, count: count)
        let read = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard read >= 0 else { throw SystemError(call: "read", path: path, errno: errno) }
        return Array(buffer[..<read])
    }

    static func makeNode(_ path: String, mode: mode_t, device: dev_t) throws {
        if mknod(path, mode, device) != 0 { throw SystemError(call: "mknod", path: path, errno: errno) }
    }

    static func symlink(_ target: String, at path: String) throws {
        if Glibc.symlink(target, path) != 0 { throw SystemError(call: "symlink", path: path, errno: errno) }
    }

    /// Names in a directory (not following a symlink), without `.` and `..`.
    static func entries(_ path: String) throws -> [String] {
        try FileDescriptor.open(path, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW).directoryEntries()
    }

    /// Removes `path` and what is below it, without following symlinks and
    /// without entering another file system.
    static func removeTree(_ path: String, device: dev_t) {
        guard let info = status(path) else { return }
        if fileType(info) == S_IFDIR {
            guard info.st_dev == device else {
                Issue.record("not removing \(path): it is on another file system")
                return
            }
            for name in (try? entries(path)) ?? [] { removeTree(path + "/" + name, device: device) }
            if rmdir(path) != 0 { Issue.record("rmdir \(path): \(SystemError.text(for: errno))") }
        } else if unlink(path) != 0 {
            Issue.record("unlink \(path): \(SystemError.text(for: errno))")
        }
    }
}

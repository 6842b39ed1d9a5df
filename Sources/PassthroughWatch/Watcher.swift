import CWatchShims
import Glibc
import PassthroughAdmin
import PassthroughLXC
import PassthroughModel
import PassthroughSystem

/// `lxc-passthrough watch`: follows devices as they come, go and get new
/// numbers, and brings every container under one container path to match
/// its entries (`Administration.reconcile`), until SIGTERM or SIGINT.
///
/// One thread, one `epoll_wait` with no timeout: kernel uevents (a device
/// came or went), inotify on the directories of the entries' paths (udev's
/// links, nodes made with mknod), on the container path and each container's
/// directory (a container made or removed, a config replaced) and on the
/// records' directory (a container started or stopped). Every event is only
/// a hint: after a batch of them, each container is looked at again from the
/// host's own configs, records and `/dev`. A timer is armed only while a
/// container is starting; nothing else wakes the watcher.
public struct Watcher: ~Copyable {
    public let lxcPath: String
    let include: String
    let hierarchy: DeviceRule.Hierarchy
    let live: LiveSystem
    let log: (String) -> Void
    let lock: WatcherLock
    let poll: EventPoll
    let signals: StopSignals
    let uevents: UeventSocket
    var directories: DirectoryWatch
    var timer: OneShotTimer
    /// How many times each starting container was looked at again.
    var retries: [String: Int] = [:]
    /// The last failure told of each container, so that it is not told at every event.
    var lastFailure: [String: String] = [:]

    static let records = GrantRecordStore.defaultDirectory
    /// A starting container is looked at again every 20 ms, for at most 30 s.
    static let retryInterval = 20_000_000
    static let maximumRetries = 1500

    enum Token: UInt64 { case signal = 1, uevent, directories, timer }

    public init(
        lxcPath: String, include: String, hierarchy: DeviceRule.Hierarchy = .detect(), live: LiveSystem = LinuxLiveSystem(),
        log: @escaping (String) -> Void
    ) throws(AdminError) {
        let lock = try WatcherLock(lxcPath: lxcPath, directory: Watcher.records)
        let failed = { (error: SystemError) in AdminError("cannot start watching: \(error)") }
        let poll = try translatingErrors({ () throws(SystemError) in try EventPoll() }, failed)
        let signals = try translatingErrors({ () throws(SystemError) in try StopSignals() }, failed)
        let uevents = try translatingErrors({ () throws(SystemError) in try UeventSocket() }, failed)
        let directories = try translatingErrors({ () throws(SystemError) in try DirectoryWatch() }, failed)
        let timer = try translatingErrors({ () throws(SystemError) in try OneShotTimer() }, failed)
        try translatingErrors({ () throws(SystemError) in
            try poll.add(signals.descriptor, token: Token.signal.rawValue)
            try poll.add(uevents.descriptor, token: Token.uevent.rawValue)
            try poll.add(directories.descriptor, token: Token.directories.rawValue)
            try poll.add(timer.descriptor, token: Token.timer.rawValue)
        }, failed)
        self.lxcPath = lxcPath
        self.include = include
        self.hierarchy = hierarchy
        self.live = RememberingLiveSystem(live)
        self.log = log
        self.lock = lock
        self.poll = poll
        self.signals = signals
        self.uevents = uevents
        self.directories = directories
        self.timer = timer
    }

    /// Runs until SIGTERM or SIGINT; returns the signal.
    public mutating func run() throws(AdminError) -> Int32 {
        log("watching the containers in \(lxcPath) (device rules on cgroup \(hierarchy == .v1 ? "v1" : "v2"))")
        var dirty = true
        while true {
            if dirty {
                lookAtEverything()
                dirty = false
            }
            let ready = try translatingErrors({ () throws(SystemError) in try poll.wait() }, { AdminError("cannot wait for events: \($0)") })
            for token in ready {
                switch Token(rawValue: token) {
                case .signal:
                    if let signal = signals.take() {
                        log("stopping on signal \(signal)")
                        return signal
                    }
                case .uevent:
                    let batch = try translatingErrors({ () throws(SystemError) in try uevents.drain() }, { AdminError("cannot read uevents: \($0)") })
                    if batch.lost || batch.events.contains(where: \.mayChangeNodes) { dirty = true }
                case .directories:
                    let changes = try translatingErrors({ () throws(SystemError) in try directories.drain() }, {
                        AdminError("cannot read inotify events: \($0)")
                    })
                    let lxcPath = self.lxcPath
                    if changes.contains(where: { Watcher.isRelevant($0, lxcPath: lxcPath) }) { dirty = true }
                case .timer:
                    if timer.take() { dirty = true }
                case nil:
                    break
                }
            }
        }
    }

    /// Whether a change in a watched directory may change what a container
    /// is to have: not a temporary file (a name starting with a dot), and in
    /// a container's directory only its config.
    static func isRelevant(_ change: DirectoryWatch.Change, lxcPath: String) -> Bool {
        guard let directory = change.directory else { return true }  // the queue overflowed
        if change.name.hasPrefix(".") { return false }
        if directory != lxcPath, directory.hasPrefix(lxcPath + "/") { return change.name == "config" || change.name.isEmpty }
        return true
    }

    /// Every container, looked at again; then the directories to follow.
    /// When following new directories, once more (what changed in them
    /// before they were followed is seen too).
    mutating func lookAtEverything() {
        for _ in 0..<3 {
            let (names, paths, starting) = reconcileAll()
            let added = follow(names: names, devicePaths: paths)
            if !starting.isEmpty {
                do throws(SystemError) {
                    try timer.arm(in: Watcher.retryInterval)
                } catch {
                    log("cannot arm the timer for starting containers: \(error)")
                }
            }
            guard added else { return }
        }
    }

    mutating func reconcileAll() -> (names: [String], devicePaths: Set<String>, starting: [String]) {
        let names: [String]
        do throws(AdminError) {
            names = try ManagedContainer.allNames(in: lxcPath)
        } catch {
            log("\(error)")
            return ([], [], [])
        }
        var paths = Set<String>()
        var starting: [String] = []
        for name in names {
            let administration = Administration(container: ManagedContainer(name: name, lxcPath: lxcPath), hierarchy: hierarchy)
            do throws(AdminError) {
                let result = try administration.reconcile(live: live, include: include)
                for action in result.actions { log("\(name): \(action)") }
                paths.formUnion(result.devicePaths)
                lastFailure[name] = nil
                if result.retry {
                    let count = retries[name, default: 0] + 1
                    retries[name] = count
                    if count <= Watcher.maximumRetries {
                        starting.append(name)
                    } else if count == Watcher.maximumRetries + 1 {
                        log("\(name): still starting after \(Watcher.maximumRetries * Watcher.retryInterval / 1_000_000_000) s; looked at again at the next event")
                    }
                } else {
                    retries[name] = nil
                }
            } catch {
                if lastFailure[name] != error.description { log("\(name): \(error)") }
                lastFailure[name] = error.description
            }
        }
        return (names, paths, starting)
    }

    /// Follows the container path, each container's directory, the records'
    /// directory, /dev, and the nearest existing directory of each device
    /// path; stops following the others. True when a directory was added.
    mutating func follow(names: [String], devicePaths: Set<String>) -> Bool {
        var wanted: [String: UInt32] = [lxcPath: DirectoryWatch.entryChanges, Watcher.records: DirectoryWatch.entryChanges, "/dev": DirectoryWatch.entryChanges]
        for name in names { wanted[lxcPath + "/" + name] = UInt32(IN_MOVED_TO | IN_CLOSE_WRITE) }
        for path in devicePaths {
            if let directory = Watcher.nearestDirectory(of: path) { wanted[directory, default: 0] |= DirectoryWatch.entryChanges }
        }
        var added = false
        for (path, mask) in wanted {
            do throws(SystemError) {
                if try directories.watch(path, mask: mask) { added = true }
            } catch {
                // Gone meanwhile, or not a directory: its parent's change brings it back.
                continue
            }
        }
        for path in directories.watches.keys where wanted[path] == nil { directories.unwatch(path) }
        return added
    }

    /// The directory holding `path`, or its nearest ancestor that exists.
    static func nearestDirectory(of path: String) -> String? {
        var components = DevicePath.normalized(path).split(separator: "/").dropLast()
        while !components.isEmpty {
            let directory = "/" + components.joined(separator: "/")
            var info = stat()
            if lstat(directory, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { return directory }
            components = components.dropLast()
        }
        return nil
    }
}

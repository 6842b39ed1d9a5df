import CWatchShims
import Glibc
import PassthroughAdmin
import PassthroughLXC
import PassthroughModel
import PassthroughSystem

/// `lxc-passthrough watch`: follows devices as they come, go and get new
/// numbers, and brings each container under one container path to match
/// its entries (`Administration.reconcile`), until SIGTERM or SIGINT.
///
/// One thread, one `epoll_wait` with no timeout: kernel uevents (a device
/// came or went), inotify on the directories of the entries' paths (udev's
/// links, nodes made with mknod), on the container path and each container's
/// directory (a container made or removed, a config replaced) and on the
/// records' directory (a container started or stopped). Every event is only
/// a hint of which containers to look at again (`WatchIndex`: by the paths,
/// directories and device numbers they depend on, their directory's
/// identity, which names their records, and, for those with USB entries,
/// whether the event says it is a USB device's or a node's below one); each
/// of those is then looked at from the host's own configs, records, `/dev`
/// and sysfs. An event that concerns
/// no container costs no look at any; everything is looked at only at the
/// start and when the inotify queue or the uevent socket lost events. A
/// timer is armed only while a container is starting; nothing else wakes
/// the watcher. A look does the devices first; what follows them (the
/// config's rules block, who holds a device taken back) waits until no event
/// does.
public struct Watcher: ~Copyable {
    public let lxcPath: String
    let include: String
    let hierarchy: DeviceRule.Hierarchy
    let live: RememberingLiveSystem
    let log: (String) -> Void
    let lock: WatcherLock
    let poll: EventPoll
    let signals: StopSignals
    let uevents: UeventSocket
    var directories: DirectoryWatch
    var timer: OneShotTimer
    /// What each container depends on, and the directories followed for it.
    var index = WatchIndex()
    var followed: [String: Set<String>] = [:]
    /// Containers still starting, looked at again by the timer, and how many times.
    var retries: [String: Int] = [:]
    /// The last failure told of each container, so that it is not told at every event.
    var lastFailure: [String: String] = [:]
    /// What looks left for when no event waits (`Administration.followUp`):
    /// each container's config rules block, and who holds a device taken back.
    var followUps: [String: ReconcileFollowUp] = [:]
    /// Tells unprivileged containers of the nodes given and taken (uevents).
    let teller = UeventTeller()
    /// The last failure of each container's follow-up, told once as `lastFailure` is.
    var lastFollowUpFailure: [String: String] = [:]
    /// Containers forgotten since memory was last handed back.
    var forgottenSinceTrim = 0

    static let records = GrantRecordStore.defaultDirectory
    /// A starting container is looked at again every 20 ms, for at most 30 s.
    static let retryInterval = 20_000_000
    static let maximumRetries = 1500
    /// How long a liblxc command may take (a monitor running a hook does not answer): then it is given up.
    public static let commandDeadline: Int32 = 100

    enum Token: UInt64 { case signal = 1, uevent, directories, timer }

    public init(
        lxcPath: String, include: String, hierarchy: DeviceRule.Hierarchy = .detect(),
        live: LiveSystem = LinuxLiveSystem(commandDeadline: Watcher.commandDeadline, defersMonitorDenies: true),
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

    /// What a batch of events asks to look at again.
    struct Work {
        var everything = false
        var containers = Set<String>()
        var isEmpty: Bool { !everything && containers.isEmpty }
    }

    /// Runs until SIGTERM or SIGINT; returns the signal.
    public mutating func run() throws(AdminError) -> Int32 {
        log("watching the containers in \(OctalEscape.escapeForTerminal(lxcPath)) (device rules on cgroup \(hierarchy == .v1 ? "v1" : "v2"))")
        var work = Work(everything: true)
        while true {
            if work.everything {
                lookAtEverything()
            } else if !work.containers.isEmpty {
                lookAt(work.containers)
                trimIfForgotten()
            }
            work = Work()
            // Devices first: what follows them waits until no event does.
            let ready = try translatingErrors({ () throws(SystemError) in try poll.wait(timeout: followUps.isEmpty ? -1 : 0) }, {
                AdminError("cannot wait for events: \($0)")
            })
            if ready.isEmpty {
                followUp()
                continue
            }
            for token in ready {
                switch Token(rawValue: token) {
                case .signal:
                    if let signal = signals.take() {
                        log("stopping on signal \(signal)")
                        return signal
                    }
                case .uevent:
                    let batch = try translatingErrors({ () throws(SystemError) in try uevents.drain() }, { AdminError("cannot read uevents: \($0)") })
                    if batch.lost { work.everything = true }
                    for event in batch.events where event.mayChangeNodes { concerned(by: event, into: &work) }
                case .directories:
                    let changes = try translatingErrors({ () throws(SystemError) in try directories.drain() }, {
                        AdminError("cannot read inotify events: \($0)")
                    })
                    for change in changes { concerned(by: change, into: &work) }
                case .timer:
                    if timer.take() { work.containers.formUnion(retries.keys) }
                case nil:
                    break
                }
            }
        }
    }

    /// The containers a uevent concerns: those with a path at its node, or
    /// holding or naming its device number, and, for a USB device's event
    /// (or a node's below one), those whose USB entries it may concern
    /// (`WatchIndex.USBEvents`). (A hint only: what is done is decided from
    /// /dev and sysfs, so a forged event costs a look, nothing else.)
    func concerned(by event: Uevent, into work: inout Work) {
        if let name = event.deviceName, DevicePath.problem("/dev/" + name) == nil {
            work.containers.formUnion(index.containers(touchedAt: "/dev/" + name))
        }
        if let number = event.number { work.containers.formUnion(index.containers(using: number)) }
        if let hint = event.usbHint { work.containers.formUnion(index.containers(hearing: hint)) }
    }

    /// The containers a change in a followed directory concerns.
    func concerned(by change: DirectoryWatch.Change, into work: inout Work) {
        guard let directory = change.directory else {
            work.everything = true  // the queue overflowed
            return
        }
        if change.name.hasPrefix(".") { return }  // a temporary file, renamed into place later
        if directory == lxcPath {
            // A container made or removed (or its directory renamed).
            if ManagedContainer.problem(name: change.name) == nil { work.containers.insert(change.name) }
        } else if directory.hasPrefix(lxcPath + "/"), let name = Watcher.containerName(directory, lxcPath: lxcPath) {
            if change.name == "config" || change.name.isEmpty { work.containers.insert(name) }
        } else if directory == Watcher.records {
            // DEV-INO.run or DEV-INO.grants: a container started or stopped.
            guard let identity = Watcher.recordOwner(change.name) else { return }
            if let name = index.container(withDirectory: identity) { work.containers.insert(name) } else { work.everything = true }
        } else {
            work.containers.formUnion(index.containers(touchedAt: directory + "/" + change.name))
        }
    }

    /// `NAME` of `LXCPATH/NAME`, when it is a container's directory.
    static func containerName(_ directory: String, lxcPath: String) -> String? {
        let name = String(directory.dropFirst(lxcPath.count + 1))
        return ManagedContainer.problem(name: name) == nil ? name : nil
    }

    /// The container directory's identity a record's name (`DEV-INO.grants`,
    /// `DEV-INO.run`) holds; nil for any other file (the watchers' locks).
    static func recordOwner(_ name: String) -> WatchIndex.DirectoryIdentity? {
        let stem = name.split(separator: ".", maxSplits: 1).first ?? ""
        let numbers = stem.split(separator: "-")
        guard numbers.count == 2, let device = UInt64(numbers[0]), let inode = UInt64(numbers[1]) else { return nil }
        return WatchIndex.DirectoryIdentity(device: device, inode: inode)
    }

    /// Every container, looked at again; containers gone are forgotten.
    mutating func lookAtEverything() {
        let names: [String]
        do throws(AdminError) {
            names = try ManagedContainer.allNames(in: lxcPath)
        } catch {
            log("\(error)")
            return
        }
        let present = Set(names)
        for gone in index.interests.keys where !present.contains(gone) { forget(gone) }
        for gone in followed.keys where !present.contains(gone) { forget(gone) }
        trimIfForgotten()
        lookAt(present, refollowing: true)
    }

    /// Looks at each container again, follows the directories they depend
    /// on; those that got a directory followed anew are looked at once more
    /// (what changed there before it was followed is seen too).
    mutating func lookAt(_ names: Set<String>, refollowing: Bool = false) {
        var names = names
        for _ in 0..<3 {
            var again = Set<String>()
            for name in names.sorted() {
                if lookAt(name) { again.insert(name) }
            }
            if refollowing { followBase() }
            names = again
            if names.isEmpty { break }
        }
        if !retries.isEmpty {
            do throws(SystemError) {
                try timer.arm(in: Watcher.retryInterval)
            } catch {
                log("cannot arm the timer for starting containers: \(error)")
            }
        }
    }

    /// Looks at one container; true when a directory it depends on is followed anew.
    mutating func lookAt(_ name: String) -> Bool {
        let container = ManagedContainer(name: name, lxcPath: lxcPath)
        var identity = stat()
        guard ManagedContainer.problem(name: name) == nil, lstat(container.directory, &identity) == 0, identity.st_mode & S_IFMT == S_IFDIR else {
            forget(name)
            return false
        }
        var config = stat()
        guard lstat(container.configPath, &config) == 0 else {
            // Being made (lxc-create): its config's arrival is followed. Its directory stays followed from
            // one look to the next: unfollowed and followed again, a config that came in between would be
            // heard by no one (seen when the third look of a pass was the one to miss it).
            forget(name, keepingItsDirectory: true)
            return (try? directories.watch(container.directory, mask: UInt32(IN_MOVED_TO | IN_CLOSE_WRITE))) == true
        }
        let administration = Administration(container: container, hierarchy: hierarchy)
        var result = ReconcileResult()
        do throws(AdminError) {
            let followUp: ReconcileFollowUp
            (result, followUp) = try administration.reconcileDevices(live: live)
            for action in result.actions { log("\(name): \(action)") }
            // The container hears of what it was given or lost at once, as it would hear the kernel's own
            // event: waiting for no event to be ready made it wait for the look the watcher's own write of
            // the host's record sets off. The rest of the follow-up still waits.
            for line in teller.tell(followUp, container: container) { log("\(name): \(line)") }
            var rest = followUp
            (rest.given, rest.taken) = ([], [])
            followUps[name, default: ReconcileFollowUp()].merge(rest)
            lastFailure[name] = nil
            if result.retry {
                let count = retries[name, default: 0] + 1
                retries[name] = count
                if count == Watcher.maximumRetries + 1 {
                    log("\(name): still starting after \(Watcher.maximumRetries * Watcher.retryInterval / 1_000_000_000) s; looked at again at the next event")
                }
                if count > Watcher.maximumRetries { retries[name] = nil }
            } else {
                retries[name] = nil
            }
        } catch {
            if lastFailure[name] != error.description { log("\(name): \(error)") }
            lastFailure[name] = error.description
            // What it depended on before still concerns it.
            result.devicePaths = index.interests[name]?.paths ?? []
            result.deviceNumbers = index.interests[name]?.numbers ?? []
            result.usbEvents = index.interests[name]?.usb
        }
        var paths: [String] = []
        for path in result.devicePaths { paths += Watcher.linkChain(path) }
        index.set(name, WatchIndex.Interest(
            paths: paths, numbers: result.deviceNumbers,
            directory: WatchIndex.DirectoryIdentity(device: UInt64(identity.st_dev), inode: UInt64(identity.st_ino)), usb: result.usbEvents))
        return follow(name, container: container, devicePaths: paths)
    }

    /// Runs the follow-up of one container (the first by name): its config's
    /// rules block, and who holds what it took back.
    mutating func followUp() {
        guard let name = followUps.keys.min() else { return }
        let followUp = followUps.removeValue(forKey: name) ?? ReconcileFollowUp()
        let administration = Administration(container: ManagedContainer(name: name, lxcPath: lxcPath), hierarchy: hierarchy)
        do throws(AdminError) {
            for action in try administration.followUp(followUp, live: live, include: include) { log("\(name): \(action)") }
        } catch {
            if lastFollowUpFailure[name] != error.description { log("\(name): \(error)") }
            lastFollowUpFailure[name] = error.description
            return
        }
        lastFollowUpFailure[name] = nil
    }

    /// Follows the container's directory and the nearest existing directory
    /// of each path it depends on; stops following what only it did. True
    /// when a directory was followed anew.
    mutating func follow(_ name: String, container: ManagedContainer, devicePaths: [String]) -> Bool {
        var wanted = Set<String>()
        for path in devicePaths {
            if let directory = Watcher.nearestDirectory(of: path) { wanted.insert(directory) }
        }
        let before = followed[name] ?? []
        followed[name] = wanted
        var added = false
        do throws(SystemError) {
            if try directories.watch(container.directory, mask: UInt32(IN_MOVED_TO | IN_CLOSE_WRITE)) { added = true }
        } catch {
            // Gone meanwhile: the container path's change brings it back.
        }
        for directory in wanted.subtracting(before) {
            do throws(SystemError) {
                if try directories.watch(directory, mask: DirectoryWatch.entryChanges) { added = true }
            } catch {
                continue  // gone meanwhile, or not a directory: its parent's change brings it back
            }
        }
        for directory in before.subtracting(wanted) where !isFollowed(directory) { directories.unwatch(directory) }
        return added
    }

    /// The container path, the records' directory and /dev, always followed.
    mutating func followBase() {
        for path in [lxcPath, Watcher.records, "/dev"] {
            do throws(SystemError) {
                // The records' directory is there: the watcher's lock is in it.
                try directories.watch(path, mask: DirectoryWatch.entryChanges)
            } catch {
                log("cannot follow \(OctalEscape.escapeForTerminal(path)): \(error)")
            }
        }
    }

    /// Whether a directory is followed for a reason other than one container's path.
    func isFollowed(_ directory: String) -> Bool {
        directory == lxcPath || directory == Watcher.records || directory == "/dev" || followed.values.contains { $0.contains(directory) }
    }

    /// Forgets a container that is gone: its interest, the directories only
    /// it needed, what is kept of it, its retries and failures, and, when its
    /// directory is gone, the host's records of it.
    mutating func forget(_ name: String, keepingItsDirectory: Bool = false) {
        let container = ManagedContainer(name: name, lxcPath: lxcPath)
        // A container destroyed while running, or whose post-stop could not run, leaves records: gone with its directory.
        var info = stat()
        if let identity = index.interests[name]?.directory, lstat(container.directory, &info) != 0 {
            let store = GrantRecordStore(directory: Watcher.records)
            for suffix in ["run", "grants"] { try? store.remove(named: "\(identity.device)-\(identity.inode).\(suffix)") }
        }
        index.remove(name)
        let before = followed.removeValue(forKey: name) ?? []
        for directory in before where !isFollowed(directory) { directories.unwatch(directory) }
        if !keepingItsDirectory { directories.unwatch(container.directory) }
        live.forget(container)
        teller.forget(container)
        retries[name] = nil
        lastFailure[name] = nil
        followUps[name] = nil
        lastFollowUpFailure[name] = nil
        forgottenSinceTrim += 1
    }

    /// Hands memory back to the system once many containers were forgotten:
    /// its maps are made again at the size they need (a dictionary keeps the
    /// room it grew to), then `malloc_trim`: what a thousand containers took
    /// is not kept after they are gone.
    mutating func trimIfForgotten() {
        guard forgottenSinceTrim >= 16 else { return }
        forgottenSinceTrim = 0
        index.compact()
        directories.compact()
        live.compact()
        teller.compact()
        followed = followed.compacted()
        retries = retries.compacted()
        lastFailure = lastFailure.compacted()
        followUps = followUps.compacted()
        lastFollowUpFailure = lastFollowUpFailure.compacted()
        _ = malloc_trim(0)
    }

    /// A host path and every path its symlinks lead to, the last one
    /// included even when nothing is there (a link whose device is
    /// unplugged still names where it comes back): at most 40 links, as the
    /// kernel follows. Each target is made absolute from the link's real
    /// directory; each path whose directories go through a symlink comes
    /// with its real form too, where udev's changes are seen.
    static func linkChain(_ path: String) -> [String] {
        var chain: [String] = []
        func add(_ path: String) -> Bool {
            guard !chain.contains(path) else { return false }
            chain.append(path)
            // Where the kernel finds it: udev changes the link in the real directory, and inotify says so there.
            if let physical = physicalPath(path), !chain.contains(physical) { chain.append(physical) }
            return true
        }
        _ = add(DevicePath.normalized(path))
        var current = chain[chain.count - 1]
        var buffer = [CChar](repeating: 0, count: 4096)
        for _ in 0..<40 {
            let count = readlink(current, &buffer, buffer.count - 1)
            guard count > 0 else { break }
            let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // A relative target is resolved from the link's real directory (its `..` too), as the kernel resolves it.
            let directory = physicalPath(current).map { String($0[..<($0.lastIndex(of: "/") ?? $0.startIndex)]) }
                ?? String(current.split(separator: "/").dropLast().joined(separator: "/"))
            let joined = target.hasPrefix("/") ? target : directory + "/" + target
            // Its own directories' symlinks and `..` resolved by the kernel (realpath); as text where they do not exist.
            let next = physicalPath(joined) ?? Watcher.lexicallyNormalized(joined)
            guard add(next) else { break }
            current = next
        }
        return chain
    }

    /// `path` with its directory's symlinks resolved (`realpath` of the
    /// directory, and the last component as it is); nil when the directory
    /// does not exist.
    static func physicalPath(_ path: String) -> String? {
        let normalized = DevicePath.normalized(path)
        guard let slash = normalized.lastIndex(of: "/"), slash != normalized.startIndex else { return nil }
        guard let resolved = realpath(String(normalized[..<slash]), nil) else { return nil }
        defer { free(resolved) }
        let directory = String(cString: resolved)
        return (directory == "/" ? "" : directory) + String(normalized[slash...])
    }

    /// `path` with `.` and `..` components and repeated slashes taken out, as
    /// text (once its directory is real, `..` is its parent).
    static func lexicallyNormalized(_ path: String) -> String {
        var components: [Substring] = []
        for component in path.split(separator: "/") {
            if component == "." { continue }
            if component == ".." { _ = components.popLast(); continue }
            components.append(component)
        }
        return "/" + components.joined(separator: "/")
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

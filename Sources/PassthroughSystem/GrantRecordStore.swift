import Glibc
import PassthroughModel

/// Where the host keeps its `GrantRecord`s: one file per running container
/// in a directory only root can enter (`/run/lxc-passthrough`, gone at the
/// next boot with the containers), named by the container directory's device
/// and inode, so that every spelling of its path finds the same record.
public struct GrantRecordStore: Sendable {
    public static let defaultDirectory = "/run/lxc-passthrough"
    public let directory: String

    public init(directory: String = GrantRecordStore.defaultDirectory) {
        self.directory = directory
    }

    /// Why a record cannot be read or written.
    public enum Failure: Error, CustomStringConvertible, Sendable {
        case system(SystemError)
        case damaged(path: String, GrantRecord.Failure)
        /// The directory is not root's alone.
        case unsafe(path: String, owner: UInt32, mode: UInt32)

        public var description: String {
            switch self {
            case .system(let error): return "\(error)"
            case .damaged(let path, let failure): return "\(path) is damaged: \(failure)"
            case .unsafe(let path, let owner, let mode):
                return "\(path) is not root's alone (owner \(owner), mode \(octal(mode))): records there cannot be trusted"
            }
        }
    }

    static func name(for container: stat) -> String { "\(container.st_dev)-\(container.st_ino).grants" }
    static func runName(for container: stat) -> String { "\(container.st_dev)-\(container.st_ino).run" }

    public func path(for container: stat) -> String { directory + "/" + GrantRecordStore.name(for: container) }
    public func runPath(for container: stat) -> String { directory + "/" + GrantRecordStore.runName(for: container) }

    /// Replaces the container's record (a new file renamed over the old one).
    public func write(_ record: GrantRecord, for container: stat) throws(Failure) {
        try write(record.encodedBytes(), named: GrantRecordStore.name(for: container))
    }

    /// The container's record, or nil when there is none.
    public func read(for container: stat) throws(Failure) -> GrantRecord? {
        guard let bytes = try read(named: GrantRecordStore.name(for: container)) else { return nil }
        do {
            return try GrantRecord.decode(bytes: bytes)
        } catch {
            throw .damaged(path: path(for: container), error)
        }
    }

    /// Removes the container's record; none is not an error.
    public func remove(for container: stat) throws(Failure) {
        try remove(named: GrantRecordStore.name(for: container))
    }

    /// Replaces the record of which processes the running container is.
    public func writeRun(_ record: RunRecord, for container: stat) throws(Failure) {
        try write(record.encodedBytes(), named: GrantRecordStore.runName(for: container))
    }

    /// Which processes the running container is, as its start recorded; nil when no start did.
    public func readRun(for container: stat) throws(Failure) -> RunRecord? {
        guard let bytes = try read(named: GrantRecordStore.runName(for: container)) else { return nil }
        do {
            return try RunRecord.decode(bytes: bytes)
        } catch {
            throw .damaged(path: runPath(for: container), error)
        }
    }

    /// Removes the record of the container's processes; none is not an error.
    public func removeRun(for container: stat) throws(Failure) {
        try remove(named: GrantRecordStore.runName(for: container))
    }

    private func write(_ bytes: [UInt8], named name: String) throws(Failure) {
        guard let records = try openDirectory(creating: true) else { preconditionFailure("made when missing") }
        let temporary = ".\(name).\(getpid())"
        do throws(SystemError) {
            try? records.remove(temporary)
            let file = try records.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode: 0o600)
            do throws(SystemError) {
                try file.writeAll(bytes)
                try records.rename(temporary, to: name)
            } catch {
                try? records.remove(temporary)
                throw error
            }
        } catch {
            throw .system(error)
        }
    }

    /// A record's bytes; only a regular file is read (never a FIFO or a device, which could block).
    private func read(named name: String) throws(Failure) -> [UInt8]? {
        guard let records = try openDirectory(creating: false) else { return nil }
        do throws(SystemError) {
            guard let file = try records.openIfPresent(name, flags: O_RDONLY | O_NOFOLLOW | O_NONBLOCK) else { return nil }
            let info = try file.status()
            guard info.st_mode & S_IFMT == S_IFREG else { throw SystemError(call: "open", path: directory + "/" + name + " (not a regular file)", errno: EINVAL) }
            return try file.readAll(limit: 16 << 20)
        } catch {
            throw .system(error)
        }
    }

    /// Removes one record by its name; none is not an error.
    public func remove(named name: String) throws(Failure) {
        guard let records = try openDirectory(creating: false) else { return }
        do throws(SystemError) {
            try records.remove(name)
        } catch {
            if error.errno != ENOENT { throw .system(error) }
        }
    }

    /// The records' directory, made 0700 when `creating`; nil when it is not
    /// there and not to be made. Refused unless root alone can write or enter it.
    private func openDirectory(creating: Bool) throws(Failure) -> FileDescriptor? {
        if creating {
            do throws(SystemError) {
                try FileSystem.makeDirectory(directory, mode: 0o700)
            } catch {
                if error.errno != EEXIST { throw .system(error) }
            }
        }
        let directory = self.directory
        guard let opened = try translatingErrors({ () throws(SystemError) -> FileDescriptor? in
            do throws(SystemError) {
                return try FileDescriptor.open(directory, flags: O_RDONLY | O_DIRECTORY | O_NOFOLLOW)
            } catch {
                if error.errno == ENOENT && !creating { return nil }
                throw error
            }
        }, Failure.system) else { return nil }
        let info = try translatingErrors({ () throws(SystemError) in try opened.status() }, Failure.system)
        guard info.st_uid == 0, info.st_mode & 0o077 == 0 else {
            throw .unsafe(path: directory, owner: info.st_uid, mode: info.st_mode & 0o7777)
        }
        return opened
    }
}

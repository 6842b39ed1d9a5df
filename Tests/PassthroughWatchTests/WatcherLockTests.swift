import Foundation
@testable import PassthroughWatch
import Testing

@Suite("the watcher's lock: one watcher per container path, and no lock file left behind")
struct WatcherLockTests {
    /// A fresh directory for the records and one for the container path; throws if either cannot be made.
    static func directories() throws -> (records: String, lxcPath: String) {
        let base = NSTemporaryDirectory() + "lxcpt-lock-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: base + "/lxc", withIntermediateDirectories: true)
        return (base + "/records", base + "/lxc")
    }

    static func lockFiles(in records: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: records).filter { $0.hasPrefix("watch-") }
    }

    @Test func aSecondWatcherIsRefusedNamingTheFirst() throws {
        let (records, lxcPath) = try Self.directories()
        let first = try WatcherLock(lxcPath: lxcPath, directory: records)
        let files = try Self.lockFiles(in: records)
        #expect(files.count == 1)
        let pid = try String(contentsOfFile: records + "/" + files[0], encoding: .utf8)
        #expect(pid == "\(getpid())\n")
        #expect {
            _ = try WatcherLock(lxcPath: lxcPath + "/.", directory: records)
        } throws: { error in
            "\(error)".contains("another watcher follows the containers in") && "\(error)".contains("pid \(getpid())")
        }
        _ = consume first
    }

    @Test func theLockFileGoesWhenTheWatcherEndsAndTheNextOneTakesANewOne() throws {
        let (records, lxcPath) = try Self.directories()
        do {
            let lock = try WatcherLock(lxcPath: lxcPath, directory: records)
            #expect(try Self.lockFiles(in: records).count == 1)
            _ = consume lock
        }
        #expect(try Self.lockFiles(in: records).isEmpty, "removed while it was still locked")
        let next = try WatcherLock(lxcPath: lxcPath, directory: records)
        #expect(try Self.lockFiles(in: records).count == 1)
        _ = consume next
        #expect(try Self.lockFiles(in: records).isEmpty)
    }

    @Test func aFileLeftByAKilledWatcherIsTakenOver() throws {
        let (records, lxcPath) = try Self.directories()
        do {
            let lock = try WatcherLock(lxcPath: lxcPath, directory: records)
            let name = try Self.lockFiles(in: records)[0]
            // What a SIGKILLed watcher leaves: the file, with its pid, and no lock on it.
            try "999999\n".write(toFile: records + "/" + name + ".left", atomically: false, encoding: .utf8)
            _ = consume lock
            try FileManager.default.moveItem(atPath: records + "/" + name + ".left", toPath: records + "/" + name)
        }
        let lock = try WatcherLock(lxcPath: lxcPath, directory: records)
        let name = try Self.lockFiles(in: records)[0]
        #expect(try String(contentsOfFile: records + "/" + name, encoding: .utf8) == "\(getpid())\n")
        _ = consume lock
    }

    @Test func lockFilesNobodyHoldsAreRemovedAndHeldOnesStay() throws {
        let (records, lxcPath) = try Self.directories()
        let otherPath = lxcPath + "-other"
        try FileManager.default.createDirectory(atPath: otherPath, withIntermediateDirectories: true)
        let other = try WatcherLock(lxcPath: otherPath, directory: records)
        let held = try Self.lockFiles(in: records)
        #expect(held.count == 1)
        for stale in ["watch-1-2.lock", "watch-3-4.lock"] {
            try "999999\n".write(toFile: records + "/" + stale, atomically: false, encoding: .utf8)
        }
        try "not ours\n".write(toFile: records + "/65024-1.grants", atomically: false, encoding: .utf8)
        let lock = try WatcherLock(lxcPath: lxcPath, directory: records)
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: records))
        #expect(left.contains(held[0]), "the other watcher's file stays: it holds it")
        #expect(!left.contains("watch-1-2.lock") && !left.contains("watch-3-4.lock"))
        #expect(left.contains("65024-1.grants"), "only lock files are looked at")
        #expect(left.count == 3)
        _ = consume lock
        _ = consume other
    }
}

import Foundation
import Glibc
@testable import PassthroughWatch
import Testing

@Suite("inotify on directories: a directory made again at the same path is a new one")
struct DirectoryWatchTests {
    @Test func aDirectoryRemovedAndMadeAgainIsWatchedAnewAndItsOldWatchsEndLeavesTheNewOne() throws {
        let base = NSTemporaryDirectory() + "lxcpt-dirwatch-\(UUID().uuidString)"
        let path = base + "/ct"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        var watch = try DirectoryWatch()
        let mask = DirectoryWatch.entryChanges
        #expect(try watch.watch(path, mask: mask), "new")
        #expect(try !watch.watch(path, mask: mask), "the same directory: not new")
        // Destroyed and made again before the old watch's end (IN_IGNORED) is read.
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        #expect(try watch.watch(path, mask: mask), "another directory at the same path: new, so it is looked at again")
        let ended = try watch.drain()
        #expect(ended.contains { $0.mask & UInt32(IN_IGNORED) != 0 }, "the old watch ended: \(ended.map(\.mask))")
        #expect(watch.watches[path] != nil, "the end of the old watch leaves the new one")
        // A config arriving in the new directory is seen, and named by its directory (Foundation writes it aside and renames it).
        #expect(FileManager.default.createFile(atPath: path + "/config", contents: Data()))
        let changes = try watch.drain()
        #expect(changes.contains { $0.directory == path && $0.name == "config" && $0.mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 }, "\(changes.map { "\($0.directory ?? "-") \($0.name) \($0.mask)" }) \(watch.watches)")
    }
}

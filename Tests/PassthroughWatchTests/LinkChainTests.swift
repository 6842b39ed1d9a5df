import Foundation
@testable import PassthroughWatch
import Testing

@Suite("the paths an entry depends on: its symlinks followed as the kernel follows them")
struct LinkChainTests {
    /// A fresh directory, its own path resolved (the temporary directory may itself be a link); throws if it cannot be made.
    static func scratch() throws -> String {
        let base = NSTemporaryDirectory() + "lxcpt-links-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        return String(try #require(Watcher.physicalPath(base + "/x")).dropLast(2))
    }

    @Test func aRelativeLinkIsResolvedFromItsDirectory() throws {
        let base = try Self.scratch()
        try FileManager.default.createDirectory(atPath: base + "/serial/by-id", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: base + "/serial/by-id/usb-Stick", withDestinationPath: "../../ttyUSB0")
        #expect(Watcher.linkChain(base + "/serial/by-id/usb-Stick") == [base + "/serial/by-id/usb-Stick", base + "/ttyUSB0"])
    }

    @Test func dotDotAfterADirectorySymlinkIsThePhysicalParent() throws {
        // base/alias -> real/deep; base/alias/link -> ../node: the kernel finds base/real/node, not base/node.
        let base = try Self.scratch()
        try FileManager.default.createDirectory(atPath: base + "/real/deep", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: base + "/alias", withDestinationPath: "real/deep")
        try FileManager.default.createSymbolicLink(atPath: base + "/real/deep/link", withDestinationPath: "../node")
        let chain = Watcher.linkChain(base + "/alias/link")
        #expect(chain == [base + "/alias/link", base + "/real/deep/link", base + "/real/node"], "\(chain)")
        #expect(!chain.contains(base + "/node"))
    }

    @Test func aLoopEndsTheChainAndAMissingTargetIsItsLastPath() throws {
        let base = try Self.scratch()
        try FileManager.default.createSymbolicLink(atPath: base + "/a", withDestinationPath: "b")
        try FileManager.default.createSymbolicLink(atPath: base + "/b", withDestinationPath: "a")
        #expect(Watcher.linkChain(base + "/a") == [base + "/a", base + "/b"])
        try FileManager.default.createSymbolicLink(atPath: base + "/gone", withDestinationPath: "missing/dir/../node")
        #expect(Watcher.linkChain(base + "/gone") == [base + "/gone", base + "/missing/node"], "a target whose directory is missing: as text")
    }
}

import ArgumentParser
import Foundation
@testable import lxc_passthrough
import Testing

/// Every subcommand's help at 80 columns, against the text kept beside this
/// file (`Help/NAME.txt`): a change to it shows in the diff. After changing
/// a help text on purpose: `LXCPASSTHROUGH_WRITE_HELP=1 swift test --filter HelpSnapshotTests`.
@Suite("help: every subcommand's, as it is printed")
struct HelpSnapshotTests {
    static let commands: [(name: String, command: ParsableCommand.Type)] = [
        ("lxc-passthrough", LXCPassthrough.self), ("add", Add.self), ("remove", Remove.self), ("attach", Attach.self),
        ("detach", Detach.self), ("sync", Sync.self), ("list", List.self), ("check", Check.self), ("doctor", Doctor.self), ("watch", Watch.self),
    ]

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Help").path

    @Test("the help matches its snapshot, and no line ends in a stray backslash", arguments: commands.map(\.name))
    func helpMatchesItsSnapshot(_ name: String) throws {
        let command = try #require(HelpSnapshotTests.commands.first { $0.name == name }?.command)
        let text = LXCPassthrough.helpMessage(for: command, columns: 80)
        let path = HelpSnapshotTests.directory + "/\(name).txt"
        if ProcessInfo.processInfo.environment["LXCPASSTHROUGH_WRITE_HELP"] == "1" {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let snapshot = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == snapshot, "Help/\(name).txt differs from the help printed now")
        let stray = text.split(separator: "\n").filter { $0.hasSuffix("\\") }
        #expect(stray.isEmpty, "lines ending in a backslash: \(stray)")
        #expect(text.contains("USAGE: lxc-passthrough"))
    }

    @Test func everySubcommandHasASnapshot() {
        let listed = Set(LXCPassthrough.configuration.subcommands.map { $0._commandName })
        let snapshotted = Set(HelpSnapshotTests.commands.map(\.name)).subtracting(["lxc-passthrough"])
        #expect(listed.subtracting(snapshotted) == ["hierarchy"], "hierarchy is hidden (for the test scripts); every other one is here")
    }
}

import ArgumentParser
@testable import lxc_passthrough
import PassthroughModel
import Testing

@Suite("attach and detach: the plain forms QuickCommandLine reads are read alike by ArgumentParser")
struct QuickCommandLineTests {
    /// What ArgumentParser makes of `arguments`, when it is an attach or a detach it accepts.
    static func byArgumentParser(_ arguments: [String]) -> QuickCommandLine.Invocation? {
        switch try? LXCPassthrough.parseAsRoot(arguments) {
        case let attach as Attach: return .attach(attach.invocation)
        case let detach as Detach: return .detach(detach.invocation)
        default: return nil
        }
    }

    static let plain: [[String]] = [
        ["attach", "ct", "/dev/ttyUSB0"],
        ["attach", "ct", "/dev/loop3", "--temporary"],
        ["attach", "-n", "ct", "/dev/ttyUSB0", "--mode", "0640", "--uid", "jellyfin", "--gid", "render"],
        ["attach", "/dev/ttyUSB0", "-n", "ct", "--deny-write", "--mp", "/dev/zigbee"],
        ["-P", "/srv/lxc", "attach", "ct", "/dev/x"],
        ["--lxcpath", "/srv/lxc", "attach", "--temporary", "ct", "/dev/x", "--gid", "44"],
        ["attach", "/dev/x", "-P", "/srv/lxc", "--name", "other"],
        ["attach", "ct", "/dev/x", "--mode", "0000", "--uid", "4294967294", "--gid", "007"],
        ["attach", "ct", "/dev/x", "--uid", "0", "--gid", "video2", "--mode", "0777"],
        ["detach", "ct", "dev3"],
        ["detach", "-n", "ct", "/dev/ttyUSB0", "--temporary"],
        ["-P", "/srv/lxc", "detach", "--temporary", "ct", "dev0"],
    ]

    @Test("the plain forms are read without ArgumentParser, and as it reads them", arguments: plain)
    func plainForms(arguments: [String]) {
        let quick = QuickCommandLine.parse(arguments)
        #expect(quick != nil)
        #expect(quick == Self.byArgumentParser(arguments))
    }

    static let others: [[String]] = [
        [], ["attach"], ["attach", "ct"], ["attach", "--help"], ["attach", "-h"], ["--version"], ["attach", "ct", "/dev/x", "--help"],
        ["attach", "ct", "/dev/x", "--mode=0640"], ["attach", "ct", "/dev/x", "--mode", "0999"], ["attach", "ct", "/dev/x", "--mode", "-1"],
        ["attach", "ct", "/dev/x", "--", "--temporary"], ["attach", "ct", "/dev/x", "--bogus"], ["attach", "ct", "/dev/x", "extra"],
        ["attach", "-n", "ct", "ct2", "/dev/x"], ["attach", "ct", "/dev/x", "--temporary", "--temporary"],
        ["attach", "ct", "/dev/x", "--uid", "1", "--uid", "2"], ["attach", "../etc", "/dev/x"], ["attach", "", "/dev/x"],
        ["-P", "/a", "attach", "-P", "/b", "ct", "/dev/x"], ["-n", "ct", "attach", "/dev/x"], ["attach", "-Pdir", "ct", "/dev/x"],
        ["detach", "ct", "dev0", "--mode", "0600"], ["detach", "ct", "dev0", "--deny-write"], ["detach", "ct"],
        ["add", "ct", "/dev/x"], ["list"], ["help", "attach"],
        ["attach", "ct", "/dev/x", "--uid", "-1"], ["attach", "ct", "/dev/x", "--uid", "4294967295"], ["attach", "ct", "/dev/x", "--gid", ""],
        ["attach", "ct", "/dev/x", "--mode", "4660"], ["attach", "ct", "/dev/x", "--mode", ""],
    ]

    @Test("everything else is left to ArgumentParser", arguments: others)
    func otherForms(arguments: [String]) {
        #expect(QuickCommandLine.parse(arguments) == nil)
    }

    static let refusedValues: [(arguments: [String], option: String, refusal: DeviceSpec.Failure)] = [
        (["attach", "ct", "/dev/x", "--mode", "0999"], "--mode <MODE>", .invalidMode("0999")),
        (["attach", "ct", "/dev/x", "--temporary", "--mode", "4660"], "--mode <MODE>", .invalidMode("4660")),
        (["attach", "ct", "/dev/x", "--uid", "4294967295"], "--uid <USER>", .invalidAccount(.users, text: "4294967295")),
        (["attach", "-n", "ct", "/dev/x", "--gid", "99999999999"], "--gid <GROUP>", .invalidAccount(.groups, text: "99999999999")),
        (["attach", "ct", "/dev/x", "--gid", ""], "--gid <GROUP>", .invalidAccount(.groups, text: "")),
        (["add", "ct", "/dev/x", "--uid", "4294967295"], "--uid <USER>", .invalidAccount(.users, text: "4294967295")),
        (["add", "ct", "/dev/x", "--required", "maybe"], "--required <0|1>", .invalidBoolean(key: "required", text: "maybe")),
        (["add", "ct", "/dev/x", "--mode", "660"], "--mode <MODE>", .invalidMode("660")),
    ]

    @Test("a value the model refuses is refused by both, and ArgumentParser names the option", arguments: refusedValues)
    func refusedByBoth(arguments: [String], option: String, refusal: DeviceSpec.Failure) throws {
        let value = arguments.last!
        #expect(Self.modelRefusal(option: option, value) == refusal, "the model's own parser refuses it")
        #expect(QuickCommandLine.parse(arguments) == nil)
        let error = try #require(throws: (any Error).self) { try LXCPassthrough.parseAsRoot(arguments) }
        #expect(LXCPassthrough.exitCode(for: error) == .validationFailure)
        #expect(LXCPassthrough.message(for: error) == "The value '\(value)' is invalid for '\(option)'")
    }

    /// What the model's parser for `option` says of `value`: nil when it takes it.
    static func modelRefusal(option: String, _ value: String) -> DeviceSpec.Failure? {
        do throws(DeviceSpec.Failure) {
            switch option {
            case "--mode <MODE>": _ = try NodeMode(value)
            case "--uid <USER>": _ = try Account(value, kind: .users)
            case "--gid <GROUP>": _ = try Account(value, kind: .groups)
            default: _ = try BooleanSetting(value, key: "required")
            }
            return nil
        } catch {
            return error
        }
    }

    @Test("whatever mix of words QuickCommandLine reads, ArgumentParser reads the same way")
    func mixtures() {
        let words = ["attach", "detach", "ct", "other", "/dev/x", "dev2", "-P", "--lxcpath", "/srv", "-n", "--name", "--mode", "0640", "0999",
                     "--uid", "--gid", "render", "--mp", "/dev/y", "--deny-write", "--temporary", "--", "-h", "--mode=0600", "",
                     "1000", "4294967295"]
        // Seeded: the same 3,000 mixtures at every run (an unseeded run once drew only 49 plain forms).
        var generator = SplitMix64(seed: 0x5eed_0020)
        var read = 0
        for _ in 0..<3000 {
            var arguments = (0..<Int.random(in: 1...7, using: &generator)).map { _ in words.randomElement(using: &generator)! }
            if Bool.random(using: &generator) { arguments.insert(["attach", "detach"].randomElement(using: &generator)!, at: 0) }
            guard let quick = QuickCommandLine.parse(arguments) else { continue }
            read += 1
            #expect(quick == Self.byArgumentParser(arguments), "\(arguments)")
        }
        #expect(read > 50, "enough mixtures were plain forms to compare")
    }
}

/// A small seeded generator (SplitMix64), so that random tests draw the same cases at every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

import Testing
@testable import PassthroughModel

@Suite("which containers a change on the host concerns")
struct WatchIndexTests {
    static let tty0 = DeviceNumber(major: 188, minor: 0)
    static let loop7 = DeviceNumber(major: 7, minor: 7)

    static func index() -> WatchIndex {
        var index = WatchIndex()
        index.set("a", WatchIndex.Interest(
            paths: ["/dev/serial/by-id/usb-X", "/dev/ttyUSB0"], numbers: [tty0], directory: WatchIndex.DirectoryIdentity(device: 1, inode: 10)))
        index.set("b", WatchIndex.Interest(paths: ["/dev/loop7"], numbers: [loop7], directory: WatchIndex.DirectoryIdentity(device: 1, inode: 11)))
        index.set("c", WatchIndex.Interest(paths: ["/dev/serial/by-path/pci-1"]))
        return index
    }

    @Test func aPathAndEachDirectoryOnTheWayConcernItsContainers() {
        let index = Self.index()
        #expect(index.containers(touchedAt: "/dev/serial/by-id/usb-X") == ["a"])
        #expect(index.containers(touchedAt: "/dev/serial/by-id") == ["a"])
        #expect(index.containers(touchedAt: "/dev/serial") == ["a", "c"], "the directory both paths go through")
        #expect(index.containers(touchedAt: "/dev/ttyUSB0") == ["a"], "what the link resolves to")
        #expect(index.containers(touchedAt: "/dev//loop7") == ["b"], "paths are normalized")
    }

    @Test func anUnrelatedChangeConcernsNobody() {
        let index = Self.index()
        #expect(index.containers(touchedAt: "/dev/loop8").isEmpty)
        #expect(index.containers(touchedAt: "/dev").isEmpty, "/dev itself is no key: every change there would concern everyone")
        #expect(index.containers(touchedAt: "/dev/serial/by-id/usb-Y").isEmpty)
        #expect(index.containers(using: DeviceNumber(major: 7, minor: 8)).isEmpty)
    }

    @Test func numbersAndDirectoriesFindTheirContainer() {
        let index = Self.index()
        #expect(index.containers(using: Self.tty0) == ["a"])
        #expect(index.containers(using: Self.loop7) == ["b"])
        #expect(index.container(withDirectory: WatchIndex.DirectoryIdentity(device: 1, inode: 11)) == "b")
        #expect(index.container(withDirectory: WatchIndex.DirectoryIdentity(device: 2, inode: 11)) == nil)
    }

    @Test func replacingAndRemovingLeaveNothingBehind() {
        var index = Self.index()
        index.set("a", WatchIndex.Interest(paths: ["/dev/ttyUSB1"], numbers: []))
        #expect(index.containers(touchedAt: "/dev/serial") == ["c"])
        #expect(index.containers(using: Self.tty0).isEmpty)
        #expect(index.container(withDirectory: WatchIndex.DirectoryIdentity(device: 1, inode: 10)) == nil)
        #expect(index.containers(touchedAt: "/dev/ttyUSB1") == ["a"])
        index.remove("a")
        index.remove("b")
        index.remove("c")
        #expect(index.interests.isEmpty)
        #expect(index.containers(touchedAt: "/dev/ttyUSB1").isEmpty && index.containers(using: Self.loop7).isEmpty)
    }

    @Test("compacting gives back the room a thousand forgotten containers left, in the sets of names a shared directory holds too")
    func compactingGivesBackTheRoomOfForgottenContainers() {
        var index = WatchIndex()
        index.set("running", WatchIndex.Interest(paths: ["/dev/shared/by-id/usb-Stick"], numbers: [Self.loop7]))
        for number in 0..<1000 {
            index.set("ct\(number)", WatchIndex.Interest(paths: ["/dev/shared/serial/usb-\(number % 256)"], numbers: [Self.loop7]))
        }
        let grown = index.containers(touchedAt: "/dev/shared").capacity
        #expect(grown >= 1001)
        for number in 0..<1000 { index.remove("ct\(number)") }
        #expect(index.containers(touchedAt: "/dev/shared").capacity == grown, "removal alone keeps the room (what compact is for)")
        index.compact()
        #expect(index.containers(touchedAt: "/dev/shared") == ["running"])
        #expect(index.containers(touchedAt: "/dev/shared").capacity < 8)
        #expect(index.containers(using: Self.loop7) == ["running"])
        #expect(index.containers(using: Self.loop7).capacity < 8)
    }

    @Test func compactedSetsAndDictionariesKeepTheirContents() {
        var set = Set(0..<1000)
        var dictionary = Dictionary(uniqueKeysWithValues: (0..<1000).map { ($0, "\($0)") })
        for number in 3..<1000 { set.remove(number); dictionary[number] = nil }
        #expect(set.compacted() == [0, 1, 2] && set.compacted().capacity < set.capacity)
        #expect(dictionary.compacted() == [0: "0", 1: "1", 2: "2"] && dictionary.compacted().capacity < dictionary.capacity)
    }
}

import Testing
@testable import PassthroughModel

@Suite("id maps")
struct IDMapTests {
    let map = IDMap([
        IDMap.Range(kind: .user, containerStart: 0, hostStart: 100000, count: 65536),
        IDMap.Range(kind: .group, containerStart: 0, hostStart: 100000, count: 1000),
        IDMap.Range(kind: .group, containerStart: 1000, hostStart: 1000, count: 1),
    ])

    @Test func idsInsideARangeAreTranslated() {
        #expect(map.hostID(for: 0, kind: .user) == 100000)
        #expect(map.hostID(for: 65535, kind: .user) == 165535)
        #expect(map.hostID(for: 999, kind: .group) == 100999)
        #expect(map.hostID(for: 1000, kind: .group) == 1000)
    }

    @Test func idsOutsideEveryRangeAreUnmapped() {
        #expect(map.hostID(for: 65536, kind: .user) == nil)
        #expect(map.hostID(for: 1001, kind: .group) == nil)
    }

    @Test func hostIDsAreSeenThroughTheMapInside() {
        #expect(map.containerID(for: 100000, kind: .user) == 0)
        #expect(map.containerID(for: 165535, kind: .user) == 65535)
        #expect(map.containerID(for: 1000, kind: .group) == 1000)
        #expect(map.containerID(for: 100999, kind: .group) == 999)
        // Outside every range: the container sees nobody.
        #expect(map.containerID(for: 165536, kind: .user) == nil)
        #expect(map.containerID(for: 0, kind: .user) == nil)
        #expect(map.containerID(for: 101000, kind: .group) == nil)
        #expect(IDMap().containerID(for: 5000000, kind: .user) == 5000000)
    }

    @Test func aPrivilegedContainerKeepsItsIDs() {
        #expect(IDMap().hostID(for: 1000, kind: .user) == 1000)
    }

    @Test func rangesThatOverflowTheHostIDSpaceDoNotMap() {
        let edge = IDMap([IDMap.Range(kind: .user, containerStart: 0, hostStart: UInt32.max - 1, count: 10)])
        #expect(edge.hostID(for: 0, kind: .user) == UInt32.max - 1)
        #expect(edge.hostID(for: 1, kind: .user) == nil)
    }

    @Test(arguments: ["u 0 100000 65536", "g\t0\t1\t1", "u  0  1  1"])
    func rangesParse(text: String) { #expect(IDMap.Range(text) != nil) }

    @Test(arguments: ["b 0 1 1", "u 0 1", "u 0 1 0", "u -1 1 1", "u 0 1 1 1", "x 0 1 1"])
    func badRangesDoNotParse(text: String) { #expect(IDMap.Range(text) == nil) }

    @Test func theKernelsMapsParseAndTheWholeSpaceIsPrivileged() throws {
        let unprivileged = try #require(IDMap(
            uidMap: Array("         0     100000      65536\n".utf8), gidMap: Array("         0     100000      65536\n      1000       1000          1\n".utf8)))
        #expect(unprivileged.ranges == [
            IDMap.Range(kind: .user, containerStart: 0, hostStart: 100000, count: 65536),
            IDMap.Range(kind: .group, containerStart: 0, hostStart: 100000, count: 65536),
            IDMap.Range(kind: .group, containerStart: 1000, hostStart: 1000, count: 1),
        ])
        let whole = Array("         0          0 4294967295\n".utf8)
        #expect(IDMap(uidMap: whole, gidMap: whole)?.isPrivileged == true)
    }

    @Test(arguments: ["0 1\n", "0 1 0\n", "-1 1 1\n", "0 1 1 1\n", "0 1 x\n", "0 1 4294967296\n"])
    func badKernelMapsDoNotParse(line: String) {
        #expect(IDMap(uidMap: Array(line.utf8), gidMap: Array("0 0 1\n".utf8)) == nil)
    }
}

import Testing
@testable import PassthroughAdmin
import PassthroughModel

@Suite("list's table and JSON")
struct ReportFormatTests {
    @Test func jsonIsValidAndEscaped() throws {
        let report = DeviceReport(key: "dev0", path: "/dev/a \"b\"\n", type: .character, number: DeviceNumber(major: 188, minor: 0),
                                  mode: 0o640, uid: 1, gid: 2, hostUID: nil, hostGID: 3, denyWrite: true, status: .ruleOutOfDate, problem: "x\\y")
        let json = ReportFormat.json([report])
        #expect(json == """
            [
              {"key": "dev0", "path": "/dev/a \\"b\\"\\n", "type": "c", "major": 188, "minor": 0, "mode": "0640", "uid": 1, "gid": 2, "hostUid": null, "hostGid": 3, "denyWrite": true, "required": true, "mp": null, "status": "rule out of date", "problem": "x\\\\y", "given": null}
            ]

            """)
        #expect(ReportFormat.json([]) == "[]\n")
        var given = report
        given.given = .readOnly
        #expect(ReportFormat.json([given]).hasSuffix("\"given\": \"r\"}\n]\n"))
    }

    @Test func tableAlignsColumns() {
        let table = ReportFormat.table([DeviceReport(key: "dev10", path: "/dev/x", denyWrite: false, status: .invalid)])
        let lines = table.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0].firstRange(of: "PATH")?.lowerBound.utf16Offset(in: lines[0]) == lines[1].firstRange(of: "/dev/x")?.lowerBound.utf16Offset(in: lines[1]))
    }

    @Test func everyContainerGetsAnObjectAndItsRowsAColumn() {
        let report = DeviceReport(key: "dev0", path: "/dev/x", denyWrite: false, status: .invalid)
        let json = ReportFormat.json(containers: [("a", [report, report]), ("b", [])])
        #expect(json == """
            [
              {"container": "a", "devices": [
                \(ReportFormat.object(report)),
                \(ReportFormat.object(report))
              ]},
              {"container": "b", "devices": []}
            ]

            """)
        #expect(ReportFormat.json(containers: []) == "[]\n")
        let table = ReportFormat.table(containers: [("a", [report]), ("b", []), ("c\u{1b}", [report])]).split(separator: "\n")
        #expect(table.count == 3)
        #expect(table[0].hasPrefix("CONTAINER  KEY "))
        #expect(table[1].hasPrefix("a          dev0  /dev/x"))
        #expect(table[2].hasPrefix("c\\033      dev0"), "a name is escaped for the terminal")
    }
}

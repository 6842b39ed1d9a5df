import Testing
@testable import PassthroughAdmin
import PassthroughModel

@Suite("list and check: what each USB entry matches now")
struct USBReportFormatTests {
    static let nodes = [
        ResolvedNode(hostPath: "/dev/bus/usb/001/005", containerPath: "/dev/bus/usb/001/005", type: .character, number: DeviceNumber(major: 189, minor: 4)),
        ResolvedNode(hostPath: "/dev/ttyUSB0", containerPath: "/dev/ttyUSB0", type: .character, number: DeviceNumber(major: 188, minor: 0)),
    ]

    @Test("a USB entry has a row for each node it matches, and its nodes in JSON")
    func aRowForEachNode() {
        var report = DeviceReport(key: "dev0", path: "usb 10c4:ea60", denyWrite: false, status: .ready)
        report.found = Self.nodes
        report.type = .character
        report.number = DeviceNumber(major: 189, minor: 4)
        let table = ReportFormat.table([report]).split(separator: "\n").map { $0.split(separator: " ").prefix(5).joined(separator: " ") }
        #expect(table == ["KEY PATH DEVICE MODE UID", "dev0 usb 10c4:ea60 -> /dev/bus/usb/001/005", "dev0 usb 10c4:ea60 -> /dev/ttyUSB0"])
        #expect(ReportFormat.table([report]).contains("c 188:0"))
        #expect(ReportFormat.json([report]).contains(
            "\"nodes\": [{\"path\": \"/dev/bus/usb/001/005\", \"type\": \"c\", \"major\": 189, \"minor\": 4}, "
                + "{\"path\": \"/dev/ttyUSB0\", \"type\": \"c\", \"major\": 188, \"minor\": 0}]"))
        let plain = DeviceReport(key: "dev1", path: "/dev/ttyUSB1", denyWrite: false, status: .missing)
        #expect(!ReportFormat.json([plain]).contains("\"nodes\""), "a path entry's node is the object's own")
    }
}

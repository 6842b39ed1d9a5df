import PassthroughModel

/// `lxc-passthrough list` output: a table for people, JSON for scripts.
public enum ReportFormat {
    static let headers = ["KEY", "PATH", "DEVICE", "MODE", "UID", "GID", "HOST-UID", "HOST-GID", "DENY-WRITE", "GIVEN", "STATUS"]

    public static func table(_ reports: [DeviceReport]) -> String {
        layOut([headers] + reports.flatMap(rows))
    }

    /// Every container's entries in one table, a CONTAINER column first.
    public static func table(containers: [(container: String, reports: [DeviceReport])]) -> String {
        layOut([["CONTAINER"] + headers] + containers.flatMap { container, reports in
            reports.flatMap(rows).map { [OctalEscape.escapeForTerminal(container)] + $0 }
        })
    }

    /// A row for an entry; for a USB entry, one for each node it matches now
    /// (`usb 10c4:ea60 -> /dev/ttyUSB0`), or one with no device when none does.
    static func rows(_ report: DeviceReport) -> [[String]] {
        guard !report.found.isEmpty else { return [row(report)] }
        return report.found.map { node in
            var shown = report
            shown.path = "\(report.path) -> \(OctalEscape.escapeForTerminal(node.hostPath))"
            shown.type = node.type
            shown.number = node.number
            return row(shown)
        }
    }

    static func row(_ report: DeviceReport) -> [String] {
        [report.key, report.mountPath.map { "\(report.path) -> \($0)" } ?? report.path,
         report.type.map { "\($0.rawValue) \(report.number!)" } ?? "-",
         report.mode.map(octal) ?? "-", text(report.uid), text(report.gid), text(report.hostUID), text(report.hostGID),
         report.denyWrite ? "yes" : "no", report.given?.rawValue ?? "-", report.status.rawValue]
    }

    /// Columns padded to their widest cell, two spaces apart.
    static func layOut(_ rows: [[String]]) -> String {
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ") + "\n"
        }
        return rows.map(line).joined()
    }

    public static func json(_ reports: [DeviceReport]) -> String {
        array(reports.map(object), indent: "  ")
    }

    /// One object per container: `{"container": NAME, "devices": [...]}`.
    public static func json(containers: [(container: String, reports: [DeviceReport])]) -> String {
        array(containers.map { container, reports in
            "{\(string("container")): \(string(container)), \(string("devices")): "
                + String(array(reports.map(object), indent: "    ", closing: "  ").dropLast()) + "}"
        }, indent: "  ")
    }

    /// A JSON array of `elements`, one per line.
    static func array(_ elements: [String], indent: String, closing: String = "") -> String {
        elements.isEmpty ? "[]\n" : "[\n" + elements.map { indent + $0 }.joined(separator: ",\n") + "\n\(closing)]\n"
    }

    static func object(_ report: DeviceReport) -> String {
        let fields: [(String, String)] = [
            ("key", string(report.key)), ("path", string(report.path)),
            ("type", report.type.map { string($0.rawValue) } ?? "null"),
            ("major", report.number.map { String($0.major) } ?? "null"),
            ("minor", report.number.map { String($0.minor) } ?? "null"),
            ("mode", report.mode.map { string(octal($0)) } ?? "null"),
            ("uid", number(report.uid)), ("gid", number(report.gid)),
            ("hostUid", number(report.hostUID)), ("hostGid", number(report.hostGID)),
            ("denyWrite", report.denyWrite ? "true" : "false"),
            ("required", report.required ? "true" : "false"),
            ("mp", report.mountPath.map(string) ?? "null"),
            ("status", string(report.status.rawValue)),
            ("problem", report.problem.map(string) ?? "null"),
            ("given", report.given.map { string($0.rawValue) } ?? "null"),
        ] + (report.found.isEmpty ? [] : [("nodes", foundNodes(report.found))])
        return "{" + fields.map { "\(string($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// A USB entry's nodes matched now (only USB entries have the key: a path entry's node is the object's own).
    static func foundNodes(_ nodes: [ResolvedNode]) -> String {
        "[" + nodes.map { node in
            "{\(string("path")): \(string(node.hostPath)), \(string("type")): \(string(node.type.rawValue)), "
                + "\(string("major")): \(node.number.major), \(string("minor")): \(node.number.minor)}"
        }.joined(separator: ", ") + "]"
    }

    static func text(_ value: UInt32?) -> String { value.map(String.init) ?? "-" }
    static func number(_ value: UInt32?) -> String { value.map(String.init) ?? "null" }

    /// A JSON string literal (RFC 8259 escapes).
    static func string(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}

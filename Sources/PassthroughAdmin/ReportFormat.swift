import PassthroughModel

/// `lxc-passthrough list` output: a table for people, JSON for scripts.
public enum ReportFormat {
    static let headers = ["KEY", "PATH", "DEVICE", "MODE", "UID", "GID", "HOST-UID", "HOST-GID", "DENY-WRITE", "GIVEN", "STATUS"]

    public static func table(_ reports: [DeviceReport]) -> String {
        let rows = reports.map { report in
            [report.key, report.mountPath.map { "\(report.path) -> \($0)" } ?? report.path,
             report.type.map { "\($0.rawValue) \(report.number!)" } ?? "-",
             report.mode.map(octal) ?? "-", text(report.uid), text(report.gid), text(report.hostUID), text(report.hostGID),
             report.denyWrite ? "yes" : "no", report.given?.rawValue ?? "-", report.status.rawValue]
        }
        let widths = headers.indices.map { column in ([headers] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ") + "\n"
        }
        return ([headers] + rows).map(line).joined()
    }

    public static func json(_ reports: [DeviceReport]) -> String {
        let objects = reports.map { report in
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
            ]
            return "  {" + fields.map { "\(string($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
        }
        return objects.isEmpty ? "[]\n" : "[\n" + objects.joined(separator: ",\n") + "\n]\n"
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

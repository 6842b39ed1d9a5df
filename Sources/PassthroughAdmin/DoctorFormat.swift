import PassthroughModel

/// `lxc-passthrough doctor` output: a line per link for people (what the
/// container and its config chose is escaped), JSON for scripts.
public enum DoctorFormat {
    public struct Checked: Sendable {
        public var facts: DoctorFacts
        public var links: [DoctorLink]

        public init(facts: DoctorFacts, links: [DoctorLink]) {
            self.facts = facts
            self.links = links
        }
    }

    static func mark(_ verdict: DoctorLink.Verdict) -> String {
        switch verdict {
        case .pass: "✓"
        case .fail: "✗"
        case .skip: "-"
        }
    }

    /// `NAME dev0 (/dev/ttyUSB0)`, then a line per link: `  ✓ 1 entry: ...`,
    /// a failure followed by `      fix: ...`.
    public static func text(_ checked: [Checked]) -> String {
        var out = ""
        for entry in checked {
            let report = entry.facts.report
            out += OctalEscape.escapeForTerminal("\(entry.facts.container) \(report.key) (\(report.path))") + "\n"
            for link in entry.links {
                out += "  \(mark(link.verdict)) \(link.number) \(link.name): " + OctalEscape.escapeForTerminal(link.message) + "\n"
                if link.verdict == .fail, let fix = link.fix { out += "      fix: " + OctalEscape.escapeForTerminal(fix) + "\n" }
            }
        }
        return out
    }

    public static func json(_ checked: [Checked]) -> String {
        ReportFormat.array(checked.map { entry in
            let report = entry.facts.report
            let links = entry.links.map { link in
                "{\(s("link")): \(link.number), \(s("name")): \(s(link.name)), \(s("result")): \(s(link.verdict.rawValue)), "
                    + "\(s("message")): \(s(link.message)), \(s("fix")): \(link.fix.map(s) ?? "null")}"
            }
            return "{\(s("container")): \(s(entry.facts.container)), \(s("key")): \(s(report.key)), \(s("path")): \(s(report.path)), "
                + "\(s("passes")): \(DoctorChain.passes(entry.links) ? "true" : "false"), \(s("links")): [\n    "
                + links.joined(separator: ",\n    ") + "]}"
        }, indent: "  ")
    }

    private static func s(_ text: String) -> String { ReportFormat.string(text) }
}

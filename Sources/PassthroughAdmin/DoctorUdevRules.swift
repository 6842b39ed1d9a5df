/// The udev rules inside a container that would re-apply their own owner,
/// group or mode over an entry's: a rule line that names the device (its
/// subsystem or its node's name) and assigns `OWNER`, `GROUP` or `MODE`.
/// Pure: the matching, on the files' text.
public enum UdevRules {
    public struct Hit: Equatable, Sendable {
        /// The file, as it is inside (`/etc/udev/rules.d/99-x.rules`).
        public var file: String
        public var line: Int
        /// The line as written (escaped when shown).
        public var text: String

        public init(file: String, line: Int, text: String) {
            self.file = file
            self.line = line
            self.text = text
        }
    }

    /// The directories read, in udev's order.
    public static let directories = ["/etc/udev/rules.d", "/lib/udev/rules.d"]

    /// The lines of `text` (the file `file`) that name the device and set
    /// its owner, group or mode. `subsystem`: the device's (`tty`, `block`),
    /// when sysfs says; `nodeName`: its node's name below /dev (`ttyUSB0`,
    /// `dri/renderD128`).
    public static func hits(in text: String, file: String, subsystem: String?, nodeName: String) -> [Hit] {
        var hits: [Hit] = []
        var number = 0
        let baseName = nodeName.split(separator: "/").last.map(String.init) ?? nodeName
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = rawLine.trimmingLeadingSpace
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let pairs = assignments(line)
            let names = pairs.contains { key, op, value in
                guard op == "==" else { return false }
                switch key {
                case "SUBSYSTEM", "SUBSYSTEMS": return subsystem.map { matches(pattern: value, $0) } ?? false
                case "KERNEL", "NAME": return matches(pattern: value, baseName) || matches(pattern: value, nodeName)
                default: return false
                }
            }
            let sets = pairs.contains { key, op, _ in ["OWNER", "GROUP", "MODE"].contains(key) && op != "==" && op != "!=" }
            if names && sets { hits.append(Hit(file: file, line: number, text: String(rawLine))) }
        }
        return hits
    }

    /// `KEY{attr}OP"value"` pairs of a rule line, separated by commas.
    static func assignments(_ line: Substring) -> [(key: String, op: String, value: String)] {
        var result: [(String, String, String)] = []
        var rest = line[...]
        while !rest.isEmpty {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == "," }
            let keyEnd = rest.firstIndex { "=!+-:".contains($0) } ?? rest.endIndex
            var key = String(rest[..<keyEnd]).trimmingCharacters
            if let brace = key.firstIndex(of: "{") { key = String(key[..<brace]) }
            rest = rest[keyEnd...]
            let opEnd = rest.firstIndex { !"=!+-:".contains($0) } ?? rest.endIndex
            let op = String(rest[..<opEnd])
            rest = rest[opEnd...].drop { $0 == " " || $0 == "\t" }
            guard rest.first == "\"" else { break }
            rest = rest.dropFirst()
            let valueEnd = rest.firstIndex(of: "\"") ?? rest.endIndex
            result.append((key, op, String(rest[..<valueEnd])))
            rest = valueEnd == rest.endIndex ? rest[valueEnd...] : rest[rest.index(after: valueEnd)...]
        }
        return result
    }

    /// udev's patterns: `*`, `?`, `[...]` and `|` alternatives (a simple glob).
    static func matches(pattern: String, _ text: String) -> Bool {
        pattern.split(separator: "|", omittingEmptySubsequences: false).contains { glob(Array($0), Array(text)) }
    }

    private static func glob(_ pattern: [Character], _ text: [Character]) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        switch first {
        case "*":
            return (0...text.count).contains { glob(Array(pattern.dropFirst()), Array(text.dropFirst($0))) }
        case "?":
            return !text.isEmpty && glob(Array(pattern.dropFirst()), Array(text.dropFirst()))
        case "[":
            guard let close = pattern.firstIndex(of: "]"), let character = text.first else { return false }
            let set = pattern[1..<close]
            let negated = set.first == "!"
            let members = negated ? set.dropFirst() : set[...]
            var found = false
            var index = members.startIndex
            while index < members.endIndex {
                let next = members.index(after: index)
                if next < members.endIndex, members[next] == "-", members.index(after: next) < members.endIndex {
                    let upper = members[members.index(after: next)]
                    if members[index] <= character && character <= upper { found = true }
                    index = members.index(next, offsetBy: 2)
                } else {
                    if members[index] == character { found = true }
                    index = next
                }
            }
            return found != negated && glob(Array(pattern[(close + 1)...]), Array(text.dropFirst()))
        default:
            return text.first == first && glob(Array(pattern.dropFirst()), Array(text.dropFirst()))
        }
    }
}

extension Substring {
    fileprivate var trimmingLeadingSpace: Substring { drop { $0 == " " || $0 == "\t" } }
}

extension String {
    fileprivate var trimmingCharacters: String {
        String(self.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

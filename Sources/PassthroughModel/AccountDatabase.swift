/// A container's `/etc/passwd` or `/etc/group`, as far as naming an owner
/// needs: each name and its id. Pure; the text comes from a file the
/// container's root controls, so nothing in it is trusted beyond its syntax.
public struct AccountDatabase: Equatable, Sendable {
    public enum Kind: String, Sendable {
        case users = "/etc/passwd"
        case groups = "/etc/group"

        /// The key of a devN entry it gives the id of.
        public var key: String { self == .users ? "uid" : "gid" }
        public var noun: String { self == .users ? "user" : "group" }
    }

    public let kind: Kind
    /// The first id given to each name (as getpwnam and getgrnam take the first line).
    public private(set) var ids: [String: UInt32] = [:]

    /// `name:password:id:...` lines; a line that is not one (a comment, a
    /// `+`/`-` NIS line, no name, a bad id) is skipped.
    public init(kind: Kind, text: some Collection<UInt8>) {
        self.kind = kind
        for line in text.split(separator: UInt8(ascii: "\n")) {
            let fields = line.split(separator: UInt8(ascii: ":"), maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count >= 3, let first = fields[0].first, first != UInt8(ascii: "#"), first != UInt8(ascii: "+"), first != UInt8(ascii: "-"),
                  let id = AccountDatabase.decimalID(fields[2])
            else { continue }
            let name = String(decoding: fields[0], as: UTF8.self)
            if ids[name] == nil { ids[name] = id }
        }
    }

    /// The id of `name`; nil when the container has no such name.
    public func id(of name: String) -> UInt32? { ids[name] }

    /// Whether an owner given on the command line is a name to look up
    /// (not a number, which is taken as it is).
    public static func isName(_ text: String) -> Bool {
        !text.isEmpty && !text.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    static func decimalID(_ field: some Collection<UInt8>) -> UInt32? {
        guard !field.isEmpty, field.count <= 10, field.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let id = UInt32(String(decoding: field, as: UTF8.self)), id != UInt32.max
        else { return nil }
        return id
    }
}

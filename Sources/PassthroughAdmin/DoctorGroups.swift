import PassthroughModel

extension DoctorFacts.GroupFacts {
    /// Who holds group `gid` in a container's `/etc/group` and `/etc/passwd`
    /// text: its listed members and the accounts whose primary group it is
    /// (sorted, each once). Pure.
    public init(group: [UInt8], passwd: [UInt8], gid: UInt32, uid: UInt32, source: String) {
        var groupName: String?
        var members: Set<String> = []
        for fields in Self.records(group) where fields.count >= 3 && UInt32(fields[2]) == gid {
            if groupName == nil { groupName = fields[0] }
            if fields.count >= 4 { members.formUnion(fields[3].split(separator: ",").map(String.init).filter { !$0.isEmpty }) }
        }
        var ownerName: String?
        for fields in Self.records(passwd) where fields.count >= 4 {
            if UInt32(fields[3]) == gid { members.insert(fields[0]) }
            if ownerName == nil, UInt32(fields[2]) == uid { ownerName = fields[0] }
        }
        self.init(groupName: groupName, members: members.sorted(), ownerName: ownerName, source: source)
    }

    /// The colon-separated fields of each line that is an account (not a comment, not NIS's `+`/`-`).
    static func records(_ bytes: [UInt8]) -> [[String]] {
        String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { line in
            guard let first = line.first, first != "#", first != "+", first != "-" else { return nil }
            return line.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        }
    }
}

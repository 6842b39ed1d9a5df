/// A container's /etc/passwd and /etc/group, as owner names are looked up in them.
func fuzzAccountDatabase(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    for kind in [AccountDatabase.Kind.users, .groups] {
        let database = AccountDatabase(kind: kind, text: bytes)
        for (name, id) in database.ids {
            precondition(!name.isEmpty && id != UInt32.max && database.id(of: name) == id)
        }
    }
    return 0
}

/// `lxc.idmap` values and id translation.
func fuzzIDMap(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let text = String(decoding: bytes, as: UTF8.self)
    let ranges = text.split(separator: "\n").prefix(16).compactMap { IDMap.Range($0) }
    let map = IDMap(ranges)
    var probe: UInt32 = 0
    for byte in bytes.prefix(4) { probe = probe << 8 | UInt32(byte) }
    for id in [probe, 0, 1000, 65535, 65536, UInt32.max - 1, UInt32.max] {
        for kind in [IDMap.Kind.user, .group] {
            if let host = map.hostID(for: id, kind: kind) {
                // (uid_t)-1 is never a valid container id (DeviceSpec refuses it), so only ranges are checked for it.
                precondition(host != UInt32.max || (map.isPrivileged && id == UInt32.max), "a range never maps to (uid_t)-1")
                precondition(map.isPrivileged ? host == id : ranges.contains { $0.kind == kind }, "only a range of that kind maps")
            }
        }
    }
    return 0
}

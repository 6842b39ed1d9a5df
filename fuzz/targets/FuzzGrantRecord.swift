/// The host's record of what a container was given (`/run/lxc-passthrough/`):
/// root's own file, parsed as strictly as a hostile one; and /proc/locks,
/// whose paths and pids come from any process.
func fuzzGrantRecord(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    _ = FileLocks.holders(in: String(decoding: bytes, as: UTF8.self), device: DeviceNumber(major: 0xfe, minor: 0), inode: 253853)
    guard let record = try? GrantRecord.decode(bytes: bytes) else { return 0 }
    for grant in record.grants { precondition(DevicePath.problem(grant.containerPath) == nil) }
    let again = try? GrantRecord.decode(bytes: Array(record.encoded().utf8))
    precondition(again == record, "what decodes survives encoding")
    return 0
}

/// The host's records (`/run/lxc-passthrough/`): what a container was given,
/// and which processes it is; root's own files, parsed as strictly as
/// hostile ones; and /proc/locks, whose paths and pids come from any process.
func fuzzGrantRecord(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    _ = FileLocks.holders(in: String(decoding: bytes, as: UTF8.self), device: DeviceNumber(major: 0xfe, minor: 0), inode: 253853)
    if let run = try? RunRecord.decode(bytes: bytes) {
        precondition(run.monitor.pid > 0 && (run.initProcess?.pid ?? 1) > 0)
        precondition((try? RunRecord.decode(bytes: run.encodedBytes())) == run, "what decodes survives encoding")
    }
    guard let record = try? GrantRecord.decode(bytes: bytes) else { return 0 }
    for grant in record.grants { precondition(DevicePath.problem(grant.containerPath) == nil) }
    let again = try? GrantRecord.decode(bytes: Array(record.encoded().utf8))
    precondition(again == record, "what decodes survives encoding")
    return 0
}

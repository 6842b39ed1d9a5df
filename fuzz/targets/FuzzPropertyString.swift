/// Property strings (`devN` values): parsing, and for what parses, the
/// properties that pre-start relies on.
func fuzzPropertyString(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: data, count: size), as: UTF8.self)
    guard let spec = try? DeviceSpec.parse(text) else { return 0 }
    precondition(spec.mode <= 0o777, "no setuid, setgid or sticky bits")
    precondition(spec.uid != UInt32.max && spec.gid != UInt32.max)
    // What is written is read back as the same entry (a value read has no comma to break it).
    precondition((try? DeviceSpec.parse(spec.entryValue)) == spec, "an entry written is read back as itself")
    guard case .path(let path) = spec.selector else {
        // A USB entry: at least a pair or a port (a serial alone is refused), and no path.
        guard case .usb(let usb, _) = spec.selector else { return 0 }
        precondition(!usb.identities.isEmpty || usb.port != nil, "a USB entry names ids or a port")
        precondition(spec.containerPath == nil && spec.mountPath == nil)
        return 0
    }
    precondition(DevicePath.problem(path) == nil, "a parsed path passes validation")
    // Byte-level, as the hooks check paths: a combining mark after '/' makes
    // one Swift Character of both, so Character-level checks would differ.
    let normalized = Array(spec.containerPath!.utf8)
    precondition(normalized.starts(with: Array("/dev/".utf8)))
    precondition(!zip(normalized, normalized.dropFirst()).contains { $0 == UInt8(ascii: "/") && $1 == UInt8(ascii: "/") })
    precondition(normalized.last != UInt8(ascii: "/"))
    return 0
}

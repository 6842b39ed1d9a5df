/// /proc/PID/mountinfo of a container's init, which `detach` reads: the
/// container's root chooses its mount points, so the text is hostile. The
/// host's own table (which cgroup hierarchy LXC uses) goes through the same parser.
func fuzzMountTable(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let table = MountTable(mountinfo: Array(bytes))
    for entry in table.entries {
        precondition(table.topMount(at: entry.mountPoint) != nil, "every listed mount point is found")
    }
    _ = DeviceRule.Hierarchy(mountinfo: Array(bytes))
    // Any path the kernel escapes comes back byte for byte.
    let path = String(decoding: bytes.prefix(256), as: UTF8.self)
    let line = "46 91 0:53 /read-only \(escapeLikeTheKernel(path)) rw shared:1 - tmpfs lxc-passthrough rw\n"
    let parsed = MountTable(mountinfo: line)
    if !path.isEmpty {
        precondition(parsed.entries.count == 1 && parsed.entries[0].mountPoint == path, "an escaped mount point round-trips")
        precondition(parsed.entries[0].source == "lxc-passthrough" && parsed.entries[0].root == "/read-only")
    }
    return 0
}

/// What the kernel's mangle() does to mountinfo paths: space, tab, newline and backslash as \ooo.
func escapeLikeTheKernel(_ text: String) -> String {
    var out: [UInt8] = []
    for byte in text.utf8 {
        switch byte {
        case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\\"):
            out += Array("\\\(String(byte, radix: 8).leftPadded(to: 3))".utf8)
        default:
            out.append(byte)
        }
    }
    return String(decoding: out, as: UTF8.self)
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: max(0, width - count)) + self
    }
}

/// The abstract unix socket name a container's monitor listens on for
/// liblxc's commands, as liblxc makes it (`lxc_make_abstract_socket_name`):
/// `LXCPATH/NAME/command`, or, when that does not fit in `sun_path` with
/// its leading and trailing NUL, `lxc/HASH/command` with HASH the 64-bit
/// FNV-1a of `LXCPATH/NAME` in 16 hex digits. Without the leading NUL. Pure.
public enum CommandSocketName {
    public static func of(container name: String, lxcPath: String) -> [UInt8] {
        let plain = Array("\(lxcPath)/\(name)/command".utf8)
        // sun_path is 108 bytes: a leading NUL, the name, a trailing NUL.
        if plain.count < 108 - 2 { return plain }
        let hex = String(fnv1a64("\(lxcPath)/\(name)".utf8), radix: 16)
        return Array("lxc/\(String(repeating: "0", count: 16 - hex.count))\(hex)/command".utf8)
    }

    /// 64-bit FNV-1a (liblxc's `fnv_64a_buf` from `FNV1A_64_INIT`).
    static func fnv1a64(_ bytes: some Sequence<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }
}

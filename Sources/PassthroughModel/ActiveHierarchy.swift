extension DeviceRule.Hierarchy {
    /// The hierarchy LXC uses for device rules on a host with these mounts
    /// (`/proc/PID/mountinfo` as it is): v1 when a cgroup v1 hierarchy has
    /// the devices controller (hybrid hosts), else v2.
    ///
    /// The lines are read as `MountTable.rows` reads them, but scanned in
    /// place: splitting them into arrays of fields cost pre-start about
    /// 180,000 instructions at every start with devices, most of it the
    /// runtime instantiating the metadata of the arrays' types.
    public init(mountinfo: [UInt8]) {
        let devicesOnV1 = mountinfo.withUnsafeBufferPointer { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
                if Self.hasDevicesController(bytes, line: start, end) { return true }
                start = end + 1
            }
            return false
        }
        self = devicesOnV1 ? .v1 : .v2
    }

    /// Whether the line `bytes[start..<end]` is a cgroup v1 mount with the
    /// devices controller among its super options. Fields are separated by
    /// runs of spaces; the separator `-` comes after the six fixed fields.
    private static func hasDevicesController(_ bytes: UnsafeBufferPointer<UInt8>, line start: Int, _ end: Int) -> Bool {
        var count = 0, dash = -1
        var typeStart = 0, typeEnd = 0, optionsStart = 0, optionsEnd = 0
        var index = start
        while index < end {
            while index < end && bytes[index] == UInt8(ascii: " ") { index += 1 }
            guard index < end else { break }
            let fieldStart = index
            while index < end && bytes[index] != UInt8(ascii: " ") { index += 1 }
            if dash < 0 {
                if count >= 6 && index - fieldStart == 1 && bytes[fieldStart] == UInt8(ascii: "-") { dash = count }
            } else if count == dash + 1 {
                (typeStart, typeEnd) = (fieldStart, index)
            } else if count == dash + 3 {
                (optionsStart, optionsEnd) = (fieldStart, index)
            }
            count += 1
        }
        guard count >= 9, dash >= 0, count >= dash + 3, equals(bytes, typeStart, typeEnd, "cgroup") else { return false }
        // The super options, split at commas.
        var option = optionsStart
        while option < optionsEnd {
            var next = option
            while next < optionsEnd && bytes[next] != UInt8(ascii: ",") { next += 1 }
            if equals(bytes, option, next, "devices") { return true }
            option = next + 1
        }
        return false
    }

    private static func equals(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ word: StaticString) -> Bool {
        guard end - start == word.utf8CodeUnitCount else { return false }
        let text = word.utf8Start
        for offset in 0..<(end - start) where bytes[start + offset] != text[offset] { return false }
        return true
    }
}

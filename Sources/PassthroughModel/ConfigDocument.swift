/// A container config file as text to edit: every line kept byte for byte
/// (line endings included, and a missing final newline), so that
/// `lxc-passthrough` changes only the lines it owns: `devN` lines it adds or
/// removes, and the block between `blockBegin` and `blockEnd`. Pure.
public struct ConfigDocument: Equatable, Sendable {
    public static let blockBegin = "# BEGIN lxc-passthrough: written by 'lxc-passthrough sync', replaced on every sync"
    public static let blockEnd = "# END lxc-passthrough"

    struct Line: Equatable, Sendable {
        /// The line without its terminator.
        var content: String
        /// `\n`, `\r\n`, or empty for a last line without a newline.
        var terminator: String
    }

    var lines: [Line]

    public init(_ text: String) {
        var text = text
        lines = text.withUTF8 { bytes in
            var lines: [Line] = []
            var start = 0
            while start < bytes.count {
                guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                    lines.append(Line(content: String(decoding: UnsafeBufferPointer(rebasing: bytes[start...]), as: UTF8.self), terminator: ""))
                    break
                }
                var end = newline
                var terminator = "\n"
                if end > start, bytes[end - 1] == UInt8(ascii: "\r") {
                    end -= 1
                    terminator = "\r\n"
                }
                lines.append(Line(content: String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self), terminator: terminator))
                start = newline + 1
            }
            return lines
        }
    }

    public var text: String { lines.map { $0.content + $0.terminator }.joined() }

    /// The line ending most lines use; new lines get it.
    var newline: String {
        let crlf = lines.filter { $0.terminator == "\r\n" }.count
        let lf = lines.filter { $0.terminator == "\n" }.count
        return crlf > lf ? "\r\n" : "\n"
    }

    /// Indices of the managed block, markers included.
    var blockRange: ClosedRange<Int>? {
        guard let begin = lines.firstIndex(where: { $0.content == ConfigDocument.blockBegin }),
              let end = lines[begin...].firstIndex(where: { $0.content == ConfigDocument.blockEnd })
        else { return nil }
        return begin...end
    }

    /// The lines inside the managed block.
    public var blockContent: [String] {
        guard let range = blockRange else { return [] }
        return lines[(range.lowerBound + 1)..<range.upperBound].map(\.content)
    }

    /// `devN` lines outside the managed block, before any `[section]`, with
    /// their line numbers (from 1) and values.
    public func deviceLines() -> [(key: DeviceKey?, name: String, value: String, lineNumber: Int)] {
        var result: [(DeviceKey?, String, String, Int)] = []
        let block = blockRange
        for (index, line) in lines.enumerated() {
            if let block, block.contains(index) { continue }
            guard let parsed = ConfigReader.deviceLine(Substring(line.content)) else {
                if ConfigReader.startsSection(Substring(line.content)) { break }
                continue
            }
            result.append((DeviceKey(parsed.name), String(parsed.name), String(parsed.value), index + 1))
        }
        return result
    }

    /// Whether a line outside the managed block includes `path`.
    public func includes(_ path: String) -> Bool {
        includes { $0 == path }
    }

    /// Whether a line outside the managed block includes a path that passes `test`.
    public func includes(where test: (String) -> Bool) -> Bool {
        let block = blockRange
        return lines.indices.contains { index in
            if let block, block.contains(index) { return false }
            guard let (key, value) = ConfigReader.lxcAssignment(Substring(lines[index].content)) else { return false }
            return key == "lxc.include" && test(value)
        }
    }

    /// Adds `devN: value` after the last device line (or before the managed
    /// block, or at the end).
    public mutating func addDevice(_ key: DeviceKey, value: String) {
        let line = Line(content: "\(key): \(value)", terminator: newline)
        if let last = deviceLines().last {
            insert(line, at: last.lineNumber)
        } else if let block = blockRange {
            insert(line, at: block.lowerBound)
        } else {
            insert(line, at: lines.count)
        }
    }

    /// Removes the line of `key`; returns whether there was one.
    @discardableResult
    public mutating func removeDevice(_ key: DeviceKey) -> Bool {
        guard let found = deviceLines().first(where: { $0.key == key }) else { return false }
        remove(at: found.lineNumber - 1)
        return true
    }

    /// Replaces the managed block with `content` at the end of the file (after
    /// every include, so that nothing included later clears its rules), or
    /// removes it when `content` is empty. Removing a block restores the text
    /// as it was before the block was added.
    public mutating func replaceBlock(with content: [String]) {
        if let range = blockRange {
            for index in range.reversed() { remove(at: index) }
        }
        guard !content.isEmpty else { return }
        let newline = self.newline
        for text in [ConfigDocument.blockBegin] + content + [ConfigDocument.blockEnd] {
            insert(Line(content: text, terminator: newline), at: lines.count)
        }
    }

    /// Inserts a line; a last line without a newline gets one first, and the
    /// new last line goes without one, so the file keeps its missing final newline.
    private mutating func insert(_ line: Line, at index: Int) {
        var line = line
        if index == lines.count, let last = lines.last, last.terminator.isEmpty {
            lines[lines.count - 1].terminator = line.terminator
            line.terminator = ""
        }
        lines.insert(line, at: index)
    }

    /// Removes a line; removing the last line hands its missing newline back to the one before.
    private mutating func remove(at index: Int) {
        let removed = lines.remove(at: index)
        if index == lines.count, removed.terminator.isEmpty, !lines.isEmpty {
            lines[lines.count - 1].terminator = ""
        }
    }
}

/// Container configs with includes: the input is split into files at NUL
/// bytes (file 0 is the config, file N is "/fN"; a file that says "DIR" is a
/// directory holding every file). Reads device entries, the id map and the
/// device rules, as the hooks and lxc-passthrough do, and edits the config.
func fuzzContainerConfig(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let files = bytes.split(separator: 0, omittingEmptySubsequences: false).prefix(8).map { String(decoding: $0, as: UTF8.self) }
    let names = files.indices.map { $0 == 0 ? "/c" : "/f\($0)" }
    let reader = ConfigReader { path throws(ConfigFailure) in
        guard let index = names.firstIndex(of: path) else { throw .missing(path: path, message: "open \(path): ENOENT") }
        if files[index] == "DIR" { return .directory(names.map { String($0.dropFirst()) + ".conf" }) }
        return .text(files[index])
    }
    _ = try? ConfigReader.deviceEntries(text: files[0], path: "/c")
    _ = try? reader.idMap(configPath: "/c")
    _ = try? reader.deviceRules(configPath: "/c", includingManagedBlock: true)
    _ = try? reader.deviceRules(configPath: "/c", includingManagedBlock: false)

    var document = ConfigDocument(files[0])
    precondition(document.text == files[0], "parsing a config keeps it byte for byte")
    let devices = document.deviceLines()
    document.replaceBlock(with: ["lxc.cgroup2.devices.allow = c 1:3 rw"])
    document.replaceBlock(with: [])
    if devices.allSatisfy({ $0.key != nil }), !files[0].contains(ConfigDocument.blockBegin) {
        precondition(document.text == files[0], "adding and removing the block restores the config")
    }
    return 0
}

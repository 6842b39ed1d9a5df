/// What sysfs says of USB devices and their nodes: the attribute files
/// (`idVendor`, `busnum`, `dev`, `serial`...), a node's `uevent` file, the
/// selector's text, and whole devices and nodes. The input is read whole as
/// each kind of file, and split at NUL bytes into the files of one device
/// (port name, idVendor, idProduct, serial, busnum, devnum, dev; an empty
/// piece is a missing file) or of one node (dev, uevent, subsystem link).
func fuzzSysfs(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))

    if let value = try? SysfsAttribute.hexadecimal16(bytes, attribute: "idVendor") {
        precondition(bytes.count == 5 && Array((USBIdentity.hex(value) + "\n").utf8) == bytes.map { $0 >= 0x41 && $0 <= 0x46 ? $0 + 0x20 : $0 })
    }
    if let value = try? SysfsAttribute.decimal(bytes, attribute: "busnum", in: 1...9_999_999) {
        precondition(Array("\(value)\n".utf8) == bytes, "decimal is read only as written")
    }
    if let number = try? SysfsAttribute.deviceNumber(bytes) {
        precondition(Array("\(number)\n".utf8) == bytes && number.major < 1 << 12 && number.minor < 1 << 20)
    }
    if let text = try? SysfsAttribute.text(bytes, attribute: "serial", limit: USBDevice.maximumSerialLength) {
        precondition(Array((text + "\n").utf8) == bytes && text.utf8.count <= USBDevice.maximumSerialLength)
    }

    if let file = try? UeventFile.parse(bytes) {
        if let name = try? file.deviceName() {
            precondition(UeventFile.deviceNameProblem(name) == nil && !name.hasPrefix("/") && !name.contains("//"))
            precondition(!name.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == ".." || $0 == "." || $0.isEmpty })
        }
        if let number = try? file.number() { precondition(number.major < 1 << 12 && number.minor < 1 << 20) }
    }

    let text = String(decoding: bytes, as: UTF8.self)
    if let identities = try? USBSelector.parseIdentities(text), let selector = try? USBSelector(identities: identities) {
        precondition((try? USBSelector.parseIdentities(selector.description)) == identities, "a selector's pairs read back")
    }
    if let port = USBPort(text) {
        precondition(port.description == text && !port.ports.isEmpty && port.ports.count <= USBPort.maximumDepth && port.bus >= 1)
    }

    let pieces = bytes.split(separator: 0, omittingEmptySubsequences: false).map { Array($0) }
    if pieces.count == 7 {
        var attributes: [String: [UInt8]] = [:]
        for (name, piece) in zip(["idVendor", "idProduct", "serial", "busnum", "devnum", "dev"], pieces[1...]) where !piece.isEmpty {
            attributes[name] = piece
        }
        if let device = try? USBDevice.parse(port: String(decoding: pieces[0], as: UTF8.self), attributes: attributes) {
            precondition(USBPort(device.port.name) == device.port && device.busNumber == device.port.bus)
            precondition(device.nodeNumber.major == USBDevice.nodeMajor && (1...127).contains(device.address))
            precondition(UeventFile.deviceNameProblem(device.nodeName) == nil)
            precondition(device.serial.map { $0.utf8.count <= USBDevice.maximumSerialLength } ?? true)
            _ = device.description
        }
    }
    if pieces.count == 3, let node = try? SysfsNode.parse(
        directory: "d", dev: pieces[0], uevent: pieces[1], subsystemLink: String(decoding: pieces[2], as: UTF8.self))
    {
        precondition(UeventFile.deviceNameProblem(node.name) == nil && !node.subsystem.isEmpty && !node.subsystem.contains("/"))
        precondition((node.type == .block) == (node.subsystem == "block"))
    }
    return 0
}

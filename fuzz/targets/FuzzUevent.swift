/// Kernel uevents as the watcher reads them from its netlink socket.
func fuzzUevent(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    guard let event = Uevent.parse(bytes) else { return 0 }
    precondition(!event.action.isEmpty && event.devicePath.utf8.first == UInt8(ascii: "/"))
    if let number = event.number { precondition(number.major < 1 << 12 && number.minor < 1 << 20) }
    _ = event.mayChangeNodes
    _ = event.deviceName
    return 0
}

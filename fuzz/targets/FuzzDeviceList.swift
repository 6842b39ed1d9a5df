/// The device list autodev reads: decoding, and the round trip for what decodes.
func fuzzDeviceList(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = Array(UnsafeRawBufferPointer(start: data, count: size))
    guard let list = try? DeviceList.decode(bytes: bytes) else { return 0 }
    for item in list.items { precondition(DevicePath.problem(item.path) == nil) }
    let again = try? DeviceList.decode(list.encoded())
    precondition(again == list, "what decodes survives encoding")
    return 0
}

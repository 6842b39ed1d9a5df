import Glibc

/// One libFuzzer binary for every parser; FUZZ_TARGET picks the one to run.
let fuzzTarget: (UnsafeRawPointer, Int) -> CInt = {
    let name = getenv("FUZZ_TARGET").map { String(cString: $0) } ?? ""
    switch name {
    case "PropertyString": return fuzzPropertyString
    case "ContainerConfig": return fuzzContainerConfig
    case "IDMap": return fuzzIDMap
    case "DeviceList": return fuzzDeviceList
    case "MountTable": return fuzzMountTable
    case "GrantRecord": return fuzzGrantRecord
    case "Uevent": return fuzzUevent
    case "AccountDatabase": return fuzzAccountDatabase
    case "Sysfs": return fuzzSysfs
    default:
        fputs("FUZZ_TARGET must be PropertyString, ContainerConfig, IDMap, DeviceList, MountTable, GrantRecord, Uevent, AccountDatabase or Sysfs\n", stderr)
        exit(2)
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEntry(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    fuzzTarget(data, size)
}

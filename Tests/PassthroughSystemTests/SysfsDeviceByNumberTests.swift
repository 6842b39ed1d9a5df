import Glibc
import PassthroughModel
import PassthroughSystem
import Testing

@Suite("a device found in sysfs by its node's number, for telling a container of it")
struct SysfsDeviceByNumberTests {
    @Test func aUSBDeviceIsFoundThroughDevCharWithItsPathAndFields() throws {
        try SysfsTree.with { tree in
            let port = SysfsTree.bus1 + "/1-2"
            try tree.usbDevice(port, vendor: "1a6e", product: "089a", serial: nil, bus: 1, address: 5)
            try tree.link("dev/char/189:4", to: port)
            let device = try #require(try tree.sysfs.device(.character, DeviceNumber(major: 189, minor: 4)))
            #expect(device.devicePath == "/" + port)
            #expect(device.node.subsystem == "usb" && device.node.name == "bus/usb/001/005")
            let message = device.message(.add, at: "/dev/bus/usb/001/005")
            #expect(message.deviceType == "usb_device" && message.subsystem == "usb" && message.deviceName == "bus/usb/001/005")
            #expect(message.more == [.init("PRODUCT", "1a6e/089a/100"), .init("BUSNUM", "001"), .init("DEVNUM", "005")])
            #expect(try tree.sysfs.device(.character, DeviceNumber(major: 189, minor: 9)) == nil, "no such device: nil, not an error")
        }
    }

    @Test func aLinkLeadingOutsideDevicesOrToAnotherNumberIsAnError() throws {
        try SysfsTree.with { tree in
            try tree.node("elsewhere/ttyUSB0", dev: "188:0", name: "ttyUSB0", subsystem: "tty")
            try tree.link("dev/char/188:0", to: "elsewhere/ttyUSB0")
            #expect(throws: SysfsError.system(SystemError(call: "readlinkat", path: tree.root + "/dev/char/188:0", errno: EXDEV))) {
                try tree.sysfs.device(.character, DeviceNumber(major: 188, minor: 0))
            }
            try tree.node("devices/virtual/tty/ttyUSB1", dev: "188:1", name: "ttyUSB1", subsystem: "tty")
            try tree.link("dev/char/188:7", to: "devices/virtual/tty/ttyUSB1")
            #expect(throws: SysfsError.changed(path: tree.root + "/dev/char/188:7", expected: DeviceNumber(major: 188, minor: 7),
                found: DeviceNumber(major: 188, minor: 1))) {
                try tree.sysfs.device(.character, DeviceNumber(major: 188, minor: 7))
            }
        }
    }

    @Test func theHostsNullDeviceIsFoundInTheRealSysfs() throws {
        let null = try #require(try SysfsRoot().device(.character, DeviceNumber(major: 1, minor: 3)))
        #expect(null.devicePath == "/devices/virtual/mem/null" && null.node.subsystem == "mem" && null.node.name == "null")
    }
}

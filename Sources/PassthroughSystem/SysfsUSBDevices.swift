import Glibc
import PassthroughModel

/// The USB devices sysfs lists, each read as it is now, and those whose
/// attributes could not be read or are not what the kernel writes, with
/// why: a device is never dropped without saying so.
public struct USBDeviceScan: Sendable {
    /// In the order of their port names.
    public var devices: [USBDevice]
    public var failures: [SysfsError]
    /// The name (`1-3`) of the device of each failure, in the same order.
    public var failedNames: [String]

    public init(devices: [USBDevice] = [], failures: [SysfsError] = [], failedNames: [String] = []) {
        self.devices = devices
        self.failures = failures
        self.failedNames = failedNames
    }
}

extension SysfsRoot {
    /// Every USB device in `ROOT/bus/usb/devices`, read from its attribute
    /// files now (no value is kept from one call to the next: a device that
    /// changed its ids is seen with its new ones). Interfaces (`1-2:1.0`)
    /// and root hubs (`usb1`, the host controllers) are not devices one
    /// selects, and are passed over; a device unplugged while this runs is
    /// not there. Each entry is the kernel's link to the device's directory,
    /// and is followed. Throws when the directory cannot be read.
    public func usbDevices() throws(SystemError) -> USBDeviceScan {
        let directory = try FileDescriptor.open(usbDevicesPath, flags: O_RDONLY | O_DIRECTORY)
        var scan = USBDeviceScan()
        for name in try directory.directoryEntries().sorted() where !name.contains(":") && !name.hasPrefix("usb") {
            do {
                if let device = try SysfsRoot.readDevice(name, in: directory) { scan.devices.append(device) }
            } catch {
                // Pulled out while it was read (its files went with it): not there, as a device
                // gone before it was opened is not. A failure of a device still there is kept.
                if SysfsRoot.isGone(name, in: directory) { continue }
                scan.failures.append(error)
                scan.failedNames.append(name)
            }
        }
        return scan
    }

    /// The USB device plugged into `port` now, or nil when there is none.
    public func usbDevice(at port: USBPort) throws(SysfsError) -> USBDevice? {
        let directory = try translatingErrors({ () throws(SystemError) in
            try FileDescriptor.open(usbDevicesPath, flags: O_RDONLY | O_DIRECTORY)
        }, SysfsError.system)
        return try SysfsRoot.readDevice(port.name, in: directory)
    }

    /// Whether the kernel's link `name` is gone from `directory` (`bus/usb/devices`): the device was unplugged.
    static func isGone(_ name: String, in directory: borrowing FileDescriptor) -> Bool {
        do {
            _ = try directory.status(name)
            return false
        } catch {
            return error.errno == ENOENT
        }
    }

    /// The device `name` in `directory` (`bus/usb/devices`), nil when it is gone.
    static func readDevice(_ name: String, in directory: borrowing FileDescriptor) throws(SysfsError) -> USBDevice? {
        let read = try translatingErrors({ () throws(SystemError) -> (path: String, attributes: [String: [UInt8]])? in
            // The kernel's link to the device's directory: followed.
            guard let device = try directory.openIfPresent(name, flags: O_RDONLY | O_DIRECTORY) else { return nil }
            var attributes: [String: [UInt8]] = [:]
            for attribute in USBDevice.attributeNames {
                if let bytes = try device.readAttribute(attribute) { attributes[attribute] = bytes }
            }
            return (device.path, attributes)
        }, SysfsError.system)
        guard let read else { return nil }
        do {
            return try USBDevice.parse(port: name, attributes: read.attributes)
        } catch {
            throw .device(path: read.path, error)
        }
    }
}

import Glibc
import PassthroughModel

/// Resolves an entry's selector to the host device nodes it means now: the
/// one place where a path or a USB identity becomes nodes, for pre-start,
/// `sync`, `check` and `list` alike.
///
/// - A path: `stat`, following symlinks, as pre-start always has (`HostLookup`).
/// - A USB selector: every USB device sysfs lists now (`SysfsRoot.usbDevices`)
///   that the selector matches (`USBSelector.matches`). When several match
///   (two identical sticks and no serial or port to tell them apart), all of
///   them are given. With `nodes=usb`, each device's own node
///   (`/dev/bus/usb/BBB/DDD`, the name the kernel gives it from `busnum` and
///   `devnum`, its number from `dev`); with `nodes=all`, every node below each
///   device in sysfs (`SysfsRoot.nodes(below:)`), each at `/dev/` and its
///   `DEVNAME`, its type and number from sysfs. Nothing is taken from a
///   uevent's text, and nothing from `/dev`: the nodes are made from the
///   numbers sysfs gives.
///
/// A sysfs file that cannot be read, or says what the kernel does not write,
/// is an error (with its path, and the call and errno when a call failed)
/// when no device that can be read matches: a device that might match is
/// never passed over in silence. A host without
/// USB (no `bus/usb/devices` in sysfs) has no device that matches.
public struct DeviceResolver: Sendable {
    public var sysfs: SysfsRoot

    public init(sysfs: SysfsRoot = SysfsRoot()) {
        self.sysfs = sysfs
    }

    /// Why a USB selector could not be resolved: each failure sysfs gave.
    public struct Failure: Error, Equatable, CustomStringConvertible, Sendable {
        public var failures: [SysfsError]

        public init(_ failures: [SysfsError]) {
            self.failures = failures
        }

        public var description: String {
            "cannot read the host's USB devices from sysfs: " + failures.map(\.description).joined(separator: "; ")
        }
    }

    /// The nodes `spec`'s selector means now.
    public func resolve(_ spec: DeviceSpec) throws(Failure) -> Resolution {
        switch spec.selector {
        case .path(let path):
            switch HostLookup.live(path) {
            case .device(let host):
                return .nodes([ResolvedNode(hostPath: path, containerPath: spec.containerPath ?? path, type: host.type, number: host.number)])
            case .missing(let why): return .missing(why)
            case .notADevice(let why): return .notADevice(why)
            }
        case .usb(let selector, let nodes):
            return try resolve(selector, nodes: nodes)
        }
    }

    /// The nodes of every USB device `selector` matches now.
    public func resolve(_ selector: USBSelector, nodes: USBNodes) throws(Failure) -> Resolution {
        let scan: USBDeviceScan
        do {
            scan = try sysfs.usbDevices()
        } catch {
            guard error.errno == ENOENT, error.path == sysfs.usbDevicesPath else { throw Failure([.system(error)]) }
            return .missing("no USB device matches \(selector): the host has no USB bus (\(error))")
        }
        // A device that could not be read might be the one meant (unless the selector names another port):
        // when no other is, its failure is the answer, not a silent "none". When one that can be read is,
        // that one is given and the unreadable one is not (it is given once it can be read): one damaged
        // device does not take every USB entry's devices away.
        let matching = scan.devices.filter(selector.matches)
        guard !matching.isEmpty else {
            let failures = zip(scan.failures, scan.failedNames).filter { selector.port == nil || selector.port?.name == $0.1 }.map(\.0)
            guard failures.isEmpty else { throw Failure(failures) }
            return .missing("no USB device matches \(selector) now")
        }
        var resolved: [ResolvedNode] = []
        for device in matching {
            switch nodes {
            case .usb:
                let path = "/dev/" + device.nodeName
                resolved.append(ResolvedNode(
                    hostPath: path, containerPath: path, type: .character, number: device.nodeNumber, sysfsDirectory: SysfsRoot.directory(of: device.port)))
            case .all:
                let below: [SysfsNode]
                do {
                    below = try sysfs.nodes(below: device)
                } catch {
                    throw Failure([error])
                }
                for node in below {
                    let directory = SysfsRoot.directory(of: device.port) + (node.directory.isEmpty ? "" : "/" + node.directory)
                    resolved.append(ResolvedNode(
                        hostPath: node.path, containerPath: DevicePath.normalized(node.path), type: node.type, number: node.number, sysfsDirectory: directory))
                }
            }
        }
        return .nodes(resolved)
    }
}

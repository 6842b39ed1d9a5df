import Foundation
import Glibc
import PassthroughContainerEntry
import PassthroughModel
import PassthroughSystem
import Testing

/// A uevent sent into a user and network namespace made as LXC makes an
/// unprivileged container's (ids 0-65535 mapped from the host's 100000), to
/// a listener there built from UeventListener/uevent-listener.c.
@Suite("uevents sent into a namespace the kernel's own do not reach", .enabled(if: geteuid() == 0))
struct UeventInjectionTests {
    static let message = UeventMessage(
        action: .add, devicePath: "/devices/pci0000:00/0000:00:14.0/usb1/1-2", subsystem: "usb", deviceName: "bus/usb/001/005",
        number: DeviceNumber(major: 189, minor: 4), deviceType: "usb_device",
        more: [.init("PRODUCT", "1a6e/89a/100"), .init("TYPE", "0/0/0"), .init("BUSNUM", "001"), .init("DEVNUM", "005")])

    /// The listener, built into a temporary directory; throws when no compiler builds it.
    static func listener() throws -> String {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("UeventListener/uevent-listener.c").path
        let binary = NSTemporaryDirectory() + "lxcpt-uevent-listener-\(UUID().uuidString)"
        for compiler in ["/usr/bin/cc", "/usr/bin/gcc", "/usr/bin/clang"] where FileManager.default.isExecutableFile(atPath: compiler) {
            let build = Process()
            build.executableURL = URL(fileURLWithPath: compiler)
            build.arguments = ["-O2", "-Wall", "-Werror", "-o", binary, source]
            try build.run()
            build.waitUntilExit()
            guard build.terminationStatus == 0 else { throw Failure("\(compiler) could not build \(source)") }
            return binary
        }
        throw Failure("no C compiler to build \(source)")
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    @Test func aListenerInAnUnprivilegedContainersNamespacesHearsItAsTheKernelsFromItsRoot() throws {
        let listener = Process()
        listener.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        listener.arguments = ["--map-users=100000,0,65536", "--map-groups=100000,0,65536", "--net", try Self.listener()]
        let output = Pipe()
        listener.standardOutput = output
        try listener.run()
        defer { if listener.isRunning { listener.terminate() } }
        // unshare execs the listener in its own process: its pid is the listener's, once it says it is ready.
        let ready = output.fileHandleForReading.availableData
        #expect(String(decoding: ready, as: UTF8.self) == "ready\n")
        let pid = listener.processIdentifier
        let pidfd = try FileDescriptor.process(pid)
        #expect(try UeventInjection.kernelEventsReach(pid: pid) == false, "its network namespace is owned by its own user namespace")
        try UeventInjection.send(Self.message, into: pidfd, describedAs: "the listener")
        listener.waitUntilExit()
        let heard = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(listener.terminationStatus == 0, "\(heard)")
        #expect(heard.first == "from port 0 uid 0 gid 0", "the kernel's port, and the container's root: \(heard)")
        #expect(Array(heard.dropFirst().prefix(12)) == [
            "add@/devices/pci0000:00/0000:00:14.0/usb1/1-2", "ACTION=add", "DEVPATH=/devices/pci0000:00/0000:00:14.0/usb1/1-2",
            "SUBSYSTEM=usb", "MAJOR=189", "MINOR=4", "DEVNAME=bus/usb/001/005", "DEVTYPE=usb_device", "PRODUCT=1a6e/89a/100",
            "TYPE=0/0/0", "BUSNUM=001", "DEVNUM=005",
        ])
        #expect(heard.last?.hasPrefix("SEQNUM=") == true, "the kernel numbers it as it passes it on: \(heard)")
    }

    @Test func theHostsOwnNamespacesAreReachedByTheKernelAndRefused() throws {
        #expect(try UeventInjection.kernelEventsReach(pid: getpid()))
        let pidfd = try FileDescriptor.process(getpid())
        // Joining one's own user namespace is refused (EINVAL): nothing is ever sent from the host's.
        #expect(throws: UeventInjection.InjectionError.system(SystemError(call: "setns(CLONE_NEWUSER)", path: "the network namespace of this test", errno: EINVAL))) {
            try UeventInjection.send(Self.message, into: pidfd, describedAs: "this test")
        }
    }

    @Test func aMessageTheKernelWouldNotTakeIsRefusedBeforeAnythingIsSent() throws {
        var message = Self.message
        message.more = []
        let base = try message.encoded().count
        message.more = [.init("X", String(repeating: "y", count: 2100))]
        #expect(throws: UeventInjection.InjectionError.message(.tooLong(base + "X=".count + 2100 + 1))) {
            try UeventInjection.send(message, into: try FileDescriptor.process(getpid()), describedAs: "this test")
        }
    }
}

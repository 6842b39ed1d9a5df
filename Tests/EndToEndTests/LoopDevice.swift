import Foundation
import Glibc

/// A loop device over a 4 MiB image file.
final class LoopDevice {
    let image: String
    let device: String

    init() throws {
        image = "/tmp/lxcpt-e2e-\(UInt32.random(in: 0...0xffffff)).img"
        guard FileManager.default.createFile(atPath: image, contents: Data(count: 4 << 20)) else {
            throw Container.Failure("cannot create \(image)")
        }
        let result = run(["losetup", "-f", "--show", image])
        guard result.succeeded else { throw Container.Failure("losetup: \(result)") }
        device = result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func imagePrefix(_ count: Int) -> String {
        let handle = FileHandle(forReadingAtPath: image)
        defer { try? handle?.close() }
        return String(decoding: handle?.readData(ofLength: count) ?? Data(), as: UTF8.self)
    }

    func remove() {
        run(["losetup", "-d", device])
        try? FileManager.default.removeItem(atPath: image)
    }
}

extension LoopDevice {
    func numbers() throws -> (UInt32, UInt32) {
        var info = stat()
        guard stat(device, &info) == 0 else { throw Container.Failure("stat \(device): errno \(errno)") }
        let rdev = UInt64(info.st_rdev)
        return (UInt32(((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfff)), UInt32((rdev & 0xff) | ((rdev >> 12) & ~0xff)))
    }
}

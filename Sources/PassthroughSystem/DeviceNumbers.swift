import CLinuxShims
import Glibc
import PassthroughModel

extension DeviceNumber {
    /// Splits a `dev_t` with the C library's `major` and `minor`.
    public init(_ device: dev_t) {
        self.init(major: shim_major(UInt64(device)), minor: shim_minor(UInt64(device)))
    }

    /// The `dev_t`, as the C library's `makedev` makes it.
    public var deviceID: dev_t { dev_t(shim_makedev(major, minor)) }
}

// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "lxc-passthrough",
    products: [
        .executable(name: "pve-prestart-hook", targets: ["pve-prestart-hook"]),
        .executable(name: "pve-autodev-hook", targets: ["pve-autodev-hook"]),
        .executable(name: "pve-poststop-hook", targets: ["pve-poststop-hook"]),
        .executable(name: "lxc-passthrough", targets: ["lxc-passthrough"]),
    ],
    dependencies: [
        // The admin command's options, subcommands and help; not linked into the hooks.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .target(name: "CLinuxShims"),
        .target(name: "PassthroughCore", dependencies: ["CLinuxShims"]),
        .executableTarget(name: "pve-prestart-hook", dependencies: ["PassthroughCore"]),
        .executableTarget(name: "pve-autodev-hook", dependencies: ["PassthroughCore"]),
        .executableTarget(name: "pve-poststop-hook", dependencies: ["PassthroughCore"]),
        .executableTarget(
            name: "lxc-passthrough",
            dependencies: ["PassthroughCore", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "PassthroughCoreTests", dependencies: ["PassthroughCore"]),
        // DenySyscall/deny-syscall.c is compiled by the tests themselves, at run time.
        .testTarget(name: "EndToEndTests", exclude: ["DenySyscall"]),
    ]
)

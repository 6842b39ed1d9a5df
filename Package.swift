// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "lxc-passthrough",
    products: [
        .executable(name: "pve-prestart-hook", targets: ["pve-prestart-hook"]),
        .executable(name: "pve-autodev-hook", targets: ["pve-autodev-hook"]),
        .executable(name: "pve-poststop-hook", targets: ["pve-poststop-hook"]),
    ],
    targets: [
        .target(name: "CLinuxShims"),
        .target(name: "PassthroughCore", dependencies: ["CLinuxShims"]),
        .executableTarget(name: "pve-prestart-hook", dependencies: ["PassthroughCore"]),
        .executableTarget(name: "pve-autodev-hook", dependencies: ["PassthroughCore"]),
        .executableTarget(name: "pve-poststop-hook", dependencies: ["PassthroughCore"]),
        .testTarget(name: "PassthroughCoreTests", dependencies: ["PassthroughCore"]),
        .testTarget(name: "EndToEndTests"),
    ]
)

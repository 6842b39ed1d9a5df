// swift-tools-version:6.0
import PackageDescription

// Four layers, dependencies pointing one way:
//   PassthroughModel           pure: config text, device entries, rules, plans, the record (no Glibc)
//   PassthroughSystem          system calls: descriptors, errors, no-follow walks, the mount API, the C shim
//   PassthroughContainerEntry  calls only live attach makes: setns into a container, setfsuid, open_tree
//   PassthroughLXC             liblxc (CLXC): a container's state, init, running config, cgroup device rules
//   PassthroughHooks           the three LXC hooks                                      (model + system)
//   PassthroughAdmin           lxc-passthrough: entries, rules, live attach and detach  (model + system + entry)
//   PassthroughWatch           lxc-passthrough watch: epoll, inotify and uevents, over the admin module
// The hook executables link the hooks module only (static, no liblxc); the command, the admin module.
// Release builds are hardened as Debian builds its own tools: position-
// independent (SwiftPM links executables as PIE), full RELRO (BIND_NOW), and
// relative relocations packed (DT_RELR: the loader applies thousands of them
// in a few words), linked with the toolchain's lld; the C code with a stack
// protector, _FORTIFY_SOURCE and CET. (Swift code has neither canaries nor
// FORTIFY checks, and objects without CET notes clear the program's.)
let hardenedLinking: [LinkerSetting] = [
    .unsafeFlags(
        ["-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "now", "-Xlinker", "-z", "-Xlinker", "relro", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"],
        .when(configuration: .release)),
]
let hardenedC: [CSetting] = [
    .unsafeFlags(
        ["-fstack-protector-strong", "-fstack-clash-protection", "-D_FORTIFY_SOURCE=2", "-fcf-protection=full"], .when(configuration: .release)),
]

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
        .target(name: "CLinuxShims", cSettings: hardenedC),
        .target(name: "CNamespaceShims", cSettings: hardenedC),
        .target(name: "CWatchShims", cSettings: hardenedC),
        .target(name: "PassthroughModel"),
        .target(name: "PassthroughSystem", dependencies: ["PassthroughModel", "CLinuxShims"]),
        // The part of the system layer only live attach uses, kept out of the hooks' binaries.
        .target(name: "PassthroughContainerEntry", dependencies: ["PassthroughSystem", "CNamespaceShims"]),
        // liblxc, from Debian's lxc-dev (liblxc1 at run time): for lxc-passthrough only, never the hooks.
        .systemLibrary(name: "CLXC", pkgConfig: "lxc", providers: [.apt(["lxc-dev"])]),
        .target(name: "PassthroughLXC", dependencies: ["CLXC", "PassthroughModel", "PassthroughSystem"]),
        .target(name: "PassthroughHooks", dependencies: ["PassthroughModel", "PassthroughSystem"]),
        .target(
            name: "PassthroughAdmin",
            dependencies: ["PassthroughModel", "PassthroughSystem", "PassthroughContainerEntry", "PassthroughLXC"]),
        // lxc-passthrough watch: the event loop (epoll, inotify, uevents), over the admin module.
        .target(name: "PassthroughWatch", dependencies: ["PassthroughAdmin", "PassthroughLXC", "PassthroughModel", "PassthroughSystem", "CWatchShims"]),
        .executableTarget(name: "pve-prestart-hook", dependencies: ["PassthroughHooks"], linkerSettings: hardenedLinking),
        .executableTarget(name: "pve-autodev-hook", dependencies: ["PassthroughHooks"], linkerSettings: hardenedLinking),
        .executableTarget(name: "pve-poststop-hook", dependencies: ["PassthroughHooks"], linkerSettings: hardenedLinking),
        .executableTarget(
            name: "lxc-passthrough",
            dependencies: [
                "PassthroughAdmin", "PassthroughModel", "PassthroughSystem", "PassthroughWatch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: hardenedLinking),
        .testTarget(name: "PassthroughModelTests", dependencies: ["PassthroughModel"]),
        .testTarget(name: "PassthroughSystemTests", dependencies: ["PassthroughSystem", "CLinuxShims"]),
        .testTarget(name: "PassthroughHooksTests", dependencies: ["PassthroughHooks"]),
        .testTarget(name: "PassthroughAdminTests", dependencies: ["PassthroughAdmin", "PassthroughContainerEntry"]),
        // The command line itself: QuickCommandLine against ArgumentParser.
        .testTarget(
            name: "LXCPassthroughCommandTests",
            dependencies: ["lxc-passthrough", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            exclude: ["Help"]),
        // DenySyscall, StandInMonitor and SilentFuse (C programs) are compiled by the tests themselves, at run time.
        .testTarget(name: "EndToEndTests", exclude: ["DenySyscall", "StandInMonitor", "SilentFuse"]),
    ]
)

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
        .target(name: "CNamespaceShims"),
        .target(name: "CWatchShims"),
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
        .executableTarget(name: "pve-prestart-hook", dependencies: ["PassthroughHooks"]),
        .executableTarget(name: "pve-autodev-hook", dependencies: ["PassthroughHooks"]),
        .executableTarget(name: "pve-poststop-hook", dependencies: ["PassthroughHooks"]),
        .executableTarget(
            name: "lxc-passthrough",
            dependencies: [
                "PassthroughAdmin", "PassthroughModel", "PassthroughSystem", "PassthroughWatch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .testTarget(name: "PassthroughModelTests", dependencies: ["PassthroughModel"]),
        .testTarget(name: "PassthroughSystemTests", dependencies: ["PassthroughSystem", "CLinuxShims"]),
        .testTarget(name: "PassthroughHooksTests", dependencies: ["PassthroughHooks"]),
        .testTarget(name: "PassthroughAdminTests", dependencies: ["PassthroughAdmin", "PassthroughContainerEntry"]),
        // The command line itself: QuickCommandLine against ArgumentParser.
        .testTarget(
            name: "LXCPassthroughCommandTests",
            dependencies: ["lxc-passthrough", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        // DenySyscall, StandInMonitor and SilentFuse (C programs) are compiled by the tests themselves, at run time.
        .testTarget(name: "EndToEndTests", exclude: ["DenySyscall", "StandInMonitor", "SilentFuse"]),
    ]
)

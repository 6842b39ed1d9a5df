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
// No symbol is exported (--no-export-dynamic overrides the static Swift
// runtime's -export-dynamic): the runtime looks up where it was loaded from
// with dladdr, which read all 2,581 of them.
let hardenedLinking: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "now", "-Xlinker", "-z", "-Xlinker", "relro", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
            "-Xlinker", "--no-export-dynamic",
        ],
        .when(configuration: .release)),
]
// lxc-passthrough links liblxc, so it is a dynamic PIE: the C++ library the
// Swift runtime needs is linked in all the same. The driver's `-lstdc++`
// finds packaging/static-libstdc++/libstdc++.so before the system's: a
// one-line linker script naming libstdc++.a (as glibc's libc.so names its parts).
let commandLinking: [LinkerSetting] = [
    .unsafeFlags(["-L\(Context.packageDirectory)/packaging/static-libstdc++"], .when(configuration: .release)),
]
let hardenedC: [CSetting] = [
    .unsafeFlags(
        ["-fstack-protector-strong", "-fstack-clash-protection", "-D_FORTIFY_SOURCE=2", "-fcf-protection=full"], .when(configuration: .release)),
]
// Every module reaches the metadata of a concrete generic type through an
// accessor function rather than by its mangled name: the runtime's first
// lookup of each name demangles it and scans every protocol conformance
// record of the binary. A frontend flag, not a documented option: it stays
// because it pays (callgrind, hooks at 0 devices: pre-start 681,219 → 476,727
// instructions, autodev 421,344 → 334,677).
let releaseSwift: [SwiftSetting] = [
    .unsafeFlags(["-Xfrontend", "-disable-concrete-type-metadata-mangled-name-accessors"], .when(configuration: .release)),
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
        .target(name: "PassthroughModel", swiftSettings: releaseSwift),
        .target(name: "PassthroughSystem", dependencies: ["PassthroughModel", "CLinuxShims"], swiftSettings: releaseSwift),
        // The part of the system layer only live attach uses, kept out of the hooks' binaries.
        .target(name: "PassthroughContainerEntry", dependencies: ["PassthroughSystem", "CNamespaceShims"], swiftSettings: releaseSwift),
        // liblxc, from Debian's lxc-dev (liblxc1 at run time): for lxc-passthrough only, never the hooks.
        .systemLibrary(name: "CLXC", pkgConfig: "lxc", providers: [.apt(["lxc-dev"])]),
        .target(name: "PassthroughLXC", dependencies: ["CLXC", "PassthroughModel", "PassthroughSystem"], swiftSettings: releaseSwift),
        .target(name: "PassthroughHooks", dependencies: ["PassthroughModel", "PassthroughSystem"], swiftSettings: releaseSwift),
        .target(
            name: "PassthroughAdmin",
            dependencies: ["PassthroughModel", "PassthroughSystem", "PassthroughContainerEntry", "PassthroughLXC"], swiftSettings: releaseSwift),
        // lxc-passthrough watch: the event loop (epoll, inotify, uevents), over the admin module.
        .target(name: "PassthroughWatch", dependencies: ["PassthroughAdmin", "PassthroughContainerEntry", "PassthroughLXC", "PassthroughModel", "PassthroughSystem", "CWatchShims"],
            swiftSettings: releaseSwift),
        .executableTarget(name: "pve-prestart-hook", dependencies: ["PassthroughHooks"], swiftSettings: releaseSwift, linkerSettings: hardenedLinking),
        .executableTarget(name: "pve-autodev-hook", dependencies: ["PassthroughHooks"], swiftSettings: releaseSwift, linkerSettings: hardenedLinking),
        .executableTarget(name: "pve-poststop-hook", dependencies: ["PassthroughHooks"], swiftSettings: releaseSwift, linkerSettings: hardenedLinking),
        .executableTarget(
            name: "lxc-passthrough",
            dependencies: [
                "PassthroughAdmin", "PassthroughModel", "PassthroughSystem", "PassthroughWatch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: releaseSwift,
            linkerSettings: hardenedLinking + commandLinking),
        .testTarget(name: "PassthroughModelTests", dependencies: ["PassthroughModel"]),
        .testTarget(name: "PassthroughSystemTests", dependencies: ["PassthroughSystem", "CLinuxShims"]),
        .testTarget(name: "PassthroughHooksTests", dependencies: ["PassthroughHooks"]),
        // UeventListener (a C program) is compiled by UeventInjectionTests, at run time.
        .testTarget(name: "PassthroughAdminTests", dependencies: ["PassthroughAdmin", "PassthroughContainerEntry"], exclude: ["UeventListener"]),
        .testTarget(name: "PassthroughWatchTests", dependencies: ["PassthroughWatch"]),
        // The command line itself: QuickCommandLine against ArgumentParser.
        .testTarget(
            name: "LXCPassthroughCommandTests",
            dependencies: ["lxc-passthrough", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            exclude: ["Help"]),
        // DenySyscall, StandInMonitor, SilentFuse and FillDenyMap (C programs) are compiled by the tests themselves, at run time.
        .testTarget(name: "EndToEndTests", exclude: ["DenySyscall", "StandInMonitor", "SilentFuse", "FillDenyMap"]),
    ]
)

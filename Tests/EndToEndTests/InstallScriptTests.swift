import Foundation
import Glibc
import Testing

/// The checkout this test file belongs to.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

extension EndToEndTests {
    @Suite("install.sh",
           .enabled(if: FileManager.default.isExecutableFile(atPath: repositoryRoot + "/.build-install/release/pve-prestart-hook"),
                    "needs the release build (./install.sh or test.sh makes it)"))
    struct InstallScriptTests {
        func mode(_ path: String) -> Int? {
            (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
        }

        @Test("installs the hooks and lxc-passthrough 0755 and passthrough.conf 0644, again harmlessly, and uninstalls them",
              arguments: [[], ["--prefix", "/usr"], ["--lxc-datadir", "/opt/lxc share"], ["--lxc-datadir", "/opt/lxcdata"]])
        func stagedInstall(options: [String]) throws {
            let stage = FileManager.default.temporaryDirectory.appendingPathComponent("lxcpt-install-\(UInt32.random(in: 0...0xffffff))").path
            defer { try? FileManager.default.removeItem(atPath: stage) }
            let script = repositoryRoot + "/install.sh"
            let datadir = options.first == "--lxc-datadir" ? options[1] : "/usr/share/lxc"
            if datadir.contains(" ") {
                let refused = run([script, "--no-build", "--destdir", stage] + options)
                #expect(!refused.succeeded && refused.error.contains("must not contain spaces"), "\(refused)")
                return
            }
            for round in 1...2 {
                let result = run([script, "--no-build", "--destdir", stage] + options)
                try #require(result.succeeded, "round \(round): \(result)")
            }
            for hook in ["pve-prestart-hook", "pve-autodev-hook", "pve-poststop-hook"] {
                #expect(mode(stage + datadir + "/hooks/" + hook) == 0o755, "\(hook)")
            }
            let sbin = options.first == "--prefix" ? options[1] + "/sbin" : "/usr/local/sbin"
            #expect(mode(stage + sbin + "/lxc-passthrough") == 0o755)
            let config = stage + datadir + "/config/passthrough.conf"
            #expect(mode(config) == 0o644)
            let text = try String(contentsOfFile: config, encoding: .utf8)
            #expect(text.contains("lxc.hook.pre-start = \(datadir)/hooks/pve-prestart-hook\n"))
            #expect(text.contains("lxc.hook.autodev = \(datadir)/hooks/pve-autodev-hook\n"))
            #expect(text.contains("lxc.hook.post-stop = \(datadir)/hooks/pve-poststop-hook\n"))
            #expect(text.contains("lxc.autodev = 1\n") && text.contains("lxc.monitor.unshare = 1\n"))
            let leftovers = (FileManager.default.enumerator(atPath: stage)?.allObjects as? [String] ?? []).filter { $0.contains(".new") }
            #expect(leftovers.isEmpty, "no temporary files: \(leftovers)")

            let removed = run([script, "--uninstall", "--destdir", stage] + options)
            #expect(removed.succeeded, "\(removed)")
            let files = (FileManager.default.enumerator(atPath: stage)?.allObjects as? [String] ?? []).filter {
                var isDirectory: ObjCBool = false
                return FileManager.default.fileExists(atPath: stage + "/" + $0, isDirectory: &isDirectory) && !isDirectory.boolValue
            }
            #expect(files.isEmpty, "uninstall leaves no file: \(files)")
        }

        @Test("the hooks are statically linked: no Swift runtime, no dynamic loader",
              arguments: ["pve-prestart-hook", "pve-autodev-hook", "pve-poststop-hook"])
        func hooksAreStaticallyLinked(program: String) {
            let linked = run(["ldd", repositoryRoot + "/.build-install/release/" + program])
            #expect((linked.output + linked.error).contains("not a dynamic executable"), "\(linked)")
        }

        @Test("lxc-passthrough carries its Swift runtime and C++ library, loads liblxc, and is linked at a fixed address (its start-up is short)",
              .enabled(if: FileManager.default.isExecutableFile(atPath: repositoryRoot + "/.build-install-admin/release/lxc-passthrough"),
                       "needs the release build of lxc-passthrough (./install.sh makes it)"))
        func commandLinksLiblxcOnly() {
            let linked = run(["ldd", repositoryRoot + "/.build-install-admin/release/lxc-passthrough"])
            #expect(linked.succeeded && linked.output.contains("liblxc.so.1"), "\(linked)")
            #expect(!linked.output.contains("libswift") && !linked.output.contains("libFoundation"), "no Swift runtime library: \(linked)")
            #expect(!linked.output.contains("libstdc++"), "the C++ library is linked in, not loaded and relocated at every start: \(linked)")
            let header = run(["readelf", "-h", repositoryRoot + "/.build-install-admin/release/lxc-passthrough"])
            #expect(header.succeeded && header.output.contains("EXEC (Executable file)"), "not position-independent: \(header.output)")
            let dynamic = run(["readelf", "-d", repositoryRoot + "/.build-install-admin/release/lxc-passthrough"])
            #expect(dynamic.succeeded && !dynamic.output.contains("RUNPATH") && !dynamic.output.contains("RPATH"),
                    "no run path for the loader to search before the system's: \(dynamic.output)")
            let exported = run(["nm", "-D", "--defined-only", repositoryRoot + "/.build-install-admin/release/lxc-passthrough"])
            let swiftSymbols = exported.output.split(separator: "\n").filter { $0.contains(" $s") }
            #expect(exported.succeeded && swiftSymbols.isEmpty, "no Swift symbol exported: \(swiftSymbols.prefix(5))")
        }

        /// The symbols of an unstripped build product: name to address.
        func symbols(_ program: String) -> [Substring: UInt64] {
            var table: [Substring: UInt64] = [:]
            for line in run(["nm", program]).output.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count == 3, let address = UInt64(fields[0], radix: 16) else { continue }
                table[fields[2]] = address
            }
            return table
        }

        @Test("the programs find argv without reading /proc/self/maps, and their hot functions lie side by side (packaging/hot-functions.order)",
              arguments: ["/.build-install-admin/release/lxc-passthrough", "/.build-install/release/pve-prestart-hook", "/.build-install/release/pve-autodev-hook"])
        func startUpIsShort(program: String) throws {
            let path = repositoryRoot + program
            try #require(FileManager.default.isExecutableFile(atPath: path), "needs the release build (./install.sh makes it)")
            let table = symbols(path)
            #expect(table["saveArguments"] != nil && table["_GLOBAL__sub_I_CommandLine.cpp"] == nil,
                    "argv from glibc's .init_array call, not the Swift runtime's /proc/self/maps reader")
            // Our modules' functions among them (the Swift library's are in one section the linker cannot reorder).
            let order = try String(contentsOfFile: repositoryRoot + "/packaging/hot-functions.order", encoding: .utf8)
            let ours = order.split(separator: "\n").map { $0.dropFirst(".text.".count) }.filter {
                $0.hasPrefix("$s") && ($0.prefix(32).contains("Passthrough") || $0.hasPrefix("$s15lxc_passthrough"))
            }
            let hot = ours.compactMap { table[$0] }.sorted()
            try #require(hot.count > 200, "the order names functions of this program: \(hot.count)")
            // Side by side they span about 250 KiB; where each object put them, about 9 MiB.
            #expect(hot.last! - hot.first! < 1 << 20, "our hot functions span \(hot.last! - hot.first!) bytes")
        }
    }
}

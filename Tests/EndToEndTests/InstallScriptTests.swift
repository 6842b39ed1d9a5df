import Foundation
import Glibc
import Testing

/// The checkout this test file belongs to.
let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

extension EndToEndTests {
    @Suite("install.sh",
           .enabled(if: FileManager.default.isExecutableFile(atPath: repositoryRoot + "/.build-release-hooks/release/pve-prestart-hook"),
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

        @Test("the hooks are static PIE: no Swift runtime, no dynamic loader, their addresses randomised",
              arguments: ["pve-prestart-hook", "pve-autodev-hook", "pve-poststop-hook"])
        func hooksAreStaticPIE(program: String) {
            let path = repositoryRoot + "/.build-release-hooks/release/" + program
            let linked = run(["ldd", path])
            #expect((linked.output + linked.error).contains("statically linked") || (linked.output + linked.error).contains("not a dynamic executable"),
                    "\(linked)")
            let program = run(["readelf", "-l", path])
            #expect(program.succeeded && !program.output.contains("INTERP"), "no interpreter: \(program.output)")
            expectHardened(path)
        }

        /// What Debian's hardening asks of an ELF program: position-independent
        /// (type DYN), full RELRO (GNU_RELRO and BIND_NOW), no text relocations;
        /// and no run path.
        func expectHardened(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let header = run(["readelf", "-h", path])
            #expect(header.succeeded && header.output.contains("DYN (Position-Independent Executable file)"), "\(header.output)",
                    sourceLocation: sourceLocation)
            let segments = run(["readelf", "-l", path])
            #expect(segments.output.contains("GNU_RELRO"), "\(segments.output)", sourceLocation: sourceLocation)
            let dynamic = run(["readelf", "-d", path])
            #expect(dynamic.output.contains("BIND_NOW") && dynamic.output.contains("PIE"), "\(dynamic.output)", sourceLocation: sourceLocation)
            #expect(!dynamic.output.contains("TEXTREL"), "\(dynamic.output)", sourceLocation: sourceLocation)
            #expect(dynamic.output.contains("(RELR)"), "relative relocations packed: \(dynamic.output)", sourceLocation: sourceLocation)
            #expect(!dynamic.output.contains("RUNPATH") && !dynamic.output.contains("RPATH"),
                    "no run path for the loader to search before the system's: \(dynamic.output)", sourceLocation: sourceLocation)
        }

        @Test("lxc-passthrough carries its Swift runtime and C++ library, loads liblxc, and is a hardened PIE",
              .enabled(if: FileManager.default.isExecutableFile(atPath: repositoryRoot + "/.build-release/release/lxc-passthrough"),
                       "needs the release build of lxc-passthrough (./install.sh makes it)"))
        func commandLinksLiblxcOnly() {
            let path = repositoryRoot + "/.build-release/release/lxc-passthrough"
            let linked = run(["ldd", path])
            #expect(linked.succeeded && linked.output.contains("liblxc.so.1"), "\(linked)")
            #expect(!linked.output.contains("libswift") && !linked.output.contains("libFoundation"), "no Swift runtime library: \(linked)")
            #expect(!linked.output.contains("libstdc++"), "the C++ library is linked in, not loaded and relocated at every start: \(linked)")
            expectHardened(path)
            let exported = run(["nm", "-D", "--defined-only", path])
            let swiftSymbols = exported.output.split(separator: "\n").filter { $0.contains(" $s") }
            #expect(exported.succeeded && swiftSymbols.isEmpty, "no Swift symbol exported: \(swiftSymbols.prefix(5))")
        }
    }
}

import Foundation
import Glibc
import Testing

extension EndToEndTests {
    @Suite("LXC's own habits: -n NAME, -P DIR before or after the subcommand, list of every container, exit statuses",
           .enabled(if: EndToEnd.canRunContainers && EndToEnd.hasCommand, "needs root, lxc, busybox-static, the hooks and lxc-passthrough installed"))
    struct HabitsTests {
        @Test("-n and -P work wherever the name is an operand, on a stopped and a running container")
        func nameAndPathOptions() throws {
            try withHostDevices { host in
                let first = try host.zero("first"), second = try host.zero("second")
                try withContainer("habits", unprivileged: EndToEnd.canRunUnprivileged) { ct in
                    let lxcPath = (ct.directory as NSString).deletingLastPathComponent
                    let added = passthrough("-P", lxcPath, "add", "-n", ct.name, first, "--uid", "1000")
                    try #require(added.succeeded, "\(added)")
                    #expect(ct.configText.contains("dev0: \(first),uid=1000\n"))
                    #expect(passthrough("check", "-n", ct.name, "-P", lxcPath).output == "\(ct.name): ok\n")
                    #expect(passthrough("--lxcpath", lxcPath, "sync", "--name", ct.name).succeeded)
                    let listed = passthrough("list", "-n", ct.name)
                    #expect(listed.succeeded && listed.output.contains(first) && !listed.output.hasPrefix("CONTAINER"), "\(listed)")

                    try #require(ct.start().succeeded, "\(ct.log)")
                    let attached = passthrough("-P", lxcPath, "attach", "-n", ct.name, second, "--temporary")
                    try #require(attached.succeeded, "\(attached)")
                    #expect(ct.opens(second))
                    let detached = passthrough("detach", "-n", ct.name, second, "--temporary")
                    #expect(detached.succeeded && ct.lacks(second), "\(detached)")
                    #expect(passthrough("remove", "-P", lxcPath, "-n", ct.name, "dev0").succeeded)
                    #expect(!ct.configText.contains("dev0:"))

                    let elsewhere = passthrough("-P", "/nonexistent-lxcpt", "check", "-n", ct.name)
                    #expect(elsewhere.status == 1 && elsewhere.error.contains("no container '\(ct.name)' in /nonexistent-lxcpt"), "-P before the subcommand is used: \(elsewhere)")
                    let twice = passthrough("attach", "-n", ct.name, "other", second)
                    #expect(twice.status == 64 && twice.error.contains("named twice"), "\(twice)")
                    let none = passthrough("sync")
                    #expect(none.status == 64 && none.error.contains("NAME or -n NAME"), "\(none)")
                }
            }
        }

        @Test("list with no name lists every container's entries (a CONTAINER column; --json, one object per container)")
        func listOfEveryContainer() throws {
            try withHostDevices { host in
                let first = try host.zero("one"), second = try host.zero("two")
                try withContainer("all-a", unprivileged: false) { a in
                    try withContainer("all-b", unprivileged: EndToEnd.canRunUnprivileged) { b in
                        try #require(passthrough("add", a.name, first).succeeded)
                        try #require(passthrough("add", b.name, second, "--required=0").succeeded)
                        try #require(a.start().succeeded, "\(a.log)")

                        let table = passthrough("list")
                        try #require(table.succeeded, "\(table)")
                        let lines = table.output.split(separator: "\n").map(String.init)
                        #expect(lines.first?.hasPrefix("CONTAINER  ") == true, "\(table.output)")
                        #expect(lines.contains { $0.hasPrefix(a.name + " ") && $0.contains(first) && $0.contains("rw") && $0.hasSuffix("ready") }, "\(table.output)")
                        #expect(lines.contains { $0.hasPrefix(b.name + " ") && $0.contains(second) && $0.hasSuffix("ready") }, "\(table.output)")

                        let json = passthrough("-P", "/var/lib/lxc", "list", "--json")
                        try #require(json.succeeded, "\(json)")
                        let containers = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
                        let byName = Dictionary(containers.map { ($0["container"] as? String ?? "", $0["devices"] as? [[String: Any]] ?? []) }) { x, _ in x }
                        #expect(byName[a.name]?.map { $0["path"] as? String } == [first])
                        #expect(byName[a.name]?.first?["given"] as? String == "rw")
                        #expect(byName[b.name]?.map { $0["path"] as? String } == [second])
                        #expect(byName[b.name]?.first?["required"] as? Bool == false)
                    }
                }
            }
        }

        @Test("the exit statuses are in --help (the man page is generated from it; test-deb.sh reads it there)")
        func exitStatusesAreDocumented() {
            let help = passthrough("--help")
            #expect(help.succeeded && help.output.contains("EXIT STATUS") && help.output.contains("64  a usage error"), "\(help)")
        }
    }
}

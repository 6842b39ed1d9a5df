import Testing
import PassthroughModel

@Suite("a container's /etc/passwd and /etc/group")
struct AccountDatabaseTests {
    @Test func namesAndIdsAreRead() {
        let groups = AccountDatabase(kind: .groups, text: Array("root:x:0:\nvideo:x:44:jellyfin\nrender:x:992:\nrender:x:7:\n".utf8))
        #expect(groups.id(of: "render") == 992, "the first line of a name counts, as getgrnam takes it")
        #expect(groups.id(of: "video") == 44 && groups.id(of: "root") == 0)
        #expect(groups.id(of: "plugdev") == nil)
        let users = AccountDatabase(kind: .users, text: Array("root:x:0:0:root:/root:/bin/sh\njellyfin:x:107:113::/var/lib/jellyfin:/usr/sbin/nologin\n".utf8))
        #expect(users.id(of: "jellyfin") == 107)
    }

    @Test func whatIsNotAnAccountLineIsSkipped() {
        let text = "# comment\n+nis\n-blocked:x:5:\nshort:x\nbad:x:-1:\nbig:x:4294967295:\nhuge:x:99999999999:\n:x:3:\nok:x:12:\n\n"
        let groups = AccountDatabase(kind: .groups, text: Array(text.utf8))
        #expect(groups.ids == ["ok": 12])
    }

    @Test(arguments: [("render", true), ("1000", false), ("0", false), ("", false), ("video2", true), ("-1", true)])
    func namesAreWhatIsNotANumber(text: String, isName: Bool) {
        #expect(AccountDatabase.isName(text) == isName)
    }
}

import Testing
@testable import PassthroughModel

@Suite("\\ooo escapes")
struct OctalEscapeTests {
    @Test func textFromAContainerIsShownWithoutItsControlCharacters() {
        #expect(OctalEscape.escapeForTerminal("sh") == "sh")
        #expect(OctalEscape.escapeForTerminal("evil\u{1b}[2J\nx\\y") == "evil\\033[2J\\012x\\134y")
        #expect(OctalEscape.escapeForTerminal("a\u{9b}31m ünï") == "a\\302\\23331m ünï", "C1 controls too; other text as it is")
    }

    @Test func pathsRoundTripAndDamagedEscapesAreRefusedOnlyWhenStrict() {
        let path = "/dev/a b\\c\u{7f}"
        let escaped = OctalEscape.escapePath(path)
        #expect(escaped == "/dev/a\\040b\\134c\\177")
        #expect(OctalEscape.unescape(Array(escaped.utf8), strict: true) == Array(path.utf8))
        #expect(OctalEscape.unescape(Array("a\\9".utf8), strict: true) == nil)
        #expect(OctalEscape.unescape(Array("a\\9".utf8), strict: false) == Array("a\\9".utf8))
        #expect(OctalEscape.unescape(Array("\\400".utf8), strict: true) == nil, "above 255")
    }
}

import Testing
@testable import PassthroughModel

@Suite("device keys")
struct DeviceKeyTests {
    @Test(arguments: [("dev0", 0), ("dev9", 9), ("dev10", 10), ("dev255", 255)])
    func validKeys(text: String, index: Int) {
        #expect(DeviceKey(text)?.index == index)
    }

    @Test(arguments: ["dev256", "dev01", "dev-1", "dev", "dev1000", "devx", "mp0", "dev 1"])
    func invalidKeys(text: String) {
        #expect(DeviceKey(text) == nil)
    }

    @Test func keysOrderNumerically() {
        let keys = ["dev10", "dev2", "dev0"].compactMap { DeviceKey($0) }.sorted()
        #expect(keys.map(\.description) == ["dev0", "dev2", "dev10"])
    }
}

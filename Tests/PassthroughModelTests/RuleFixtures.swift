@testable import PassthroughModel

/// Rules from LXC's common.conf (both hierarchies), as a container that includes it has them.
let commonConfRules: [DeviceRule] = {
    let values = ["a", "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm",
                  "c 1:8 rwm", "c 1:9 rwm", "c 136:* rwm", "c 10:229 rwm"]
    return DeviceRule.Hierarchy.allCases.flatMap { hierarchy in
        values.enumerated().map { index, value in
            DeviceRule(key: "\(hierarchy.rawValue).\(index == 0 ? "deny" : "allow")", value: value)!
        }
    }
}()

let loop1 = DeviceNumber(major: 7, minor: 1), loop2 = DeviceNumber(major: 7, minor: 2), null = DeviceNumber(major: 1, minor: 3)

/// A rule written as a config line, `key = value`.
func rule(_ text: String) -> DeviceRule {
    let (key, value) = ConfigReader.lxcAssignment(Substring(text))!
    return DeviceRule(key: key, value: value)!
}

import Testing
@testable import PassthroughHooks

@Suite("hook calling conventions")
struct HookContextTests {
    let environment = ["LXC_NAME": "ct1", "LXC_CONFIG_FILE": "/var/lib/lxc/ct1/config", "LXC_ROOTFS_MOUNT": "/usr/lib/lxc/rootfs"]

    @Test func version0ArgumentsAreChecked() throws {
        let context = try HookContext(type: "pre-start", arguments: ["ct1", "lxc", "pre-start"], environment: environment)
        #expect(context.containerName == "ct1")
        #expect(context.passthroughDirectory == "/var/lib/lxc/ct1/lxc-passthrough")
        #expect(throws: HookContext.Failure.wrongHookType(expected: "pre-start", found: "autodev")) {
            try HookContext(type: "pre-start", arguments: ["ct1", "lxc", "autodev"], environment: environment)
        }
    }

    @Test func version1UsesTheEnvironment() throws {
        var env = environment
        env["LXC_HOOK_VERSION"] = "1"
        env["LXC_HOOK_TYPE"] = "autodev"
        env["LXC_HOOK_SECTION"] = "lxc"
        let context = try HookContext(type: "autodev", arguments: [], environment: env, needsRootfs: true)
        #expect(context.rootfsMount == "/usr/lib/lxc/rootfs")
        #expect(throws: HookContext.Failure.self) { try HookContext(type: "pre-start", arguments: [], environment: env) }
    }

    @Test func missingEnvironmentIsAUsageError() {
        #expect(throws: HookContext.Failure.missingVariable("LXC_NAME")) {
            try HookContext(type: "pre-start", arguments: [], environment: [:])
        }
        #expect(throws: HookContext.Failure.missingVariable("LXC_ROOTFS_MOUNT")) {
            try HookContext(type: "autodev", arguments: [], environment: ["LXC_NAME": "a", "LXC_CONFIG_FILE": "/x/config"], needsRootfs: true)
        }
    }
}

import PassthroughModel
import PassthroughSystem

/// The pre-start hook: on the host, as real root, before the container's mounts.
public enum Prestart {
    /// What `pve-prestart-hook` runs: the summary line, or nil with no devices.
    public static func hook(_ context: HookContext) throws(HookFailure) -> String? {
        let count = try run(context)
        return count == 0 ? nil : "prepared \(count) device node(s) in \(context.passthroughDirectory)"
    }

    /// Returns the number of devices passed through.
    @discardableResult
    public static func run(_ context: HookContext, proxmoxDirectory: String = ConfigLoader.proxmoxConfigDirectory) throws(HookFailure) -> Int {
        let directory = PassthroughDirectory(containerDirectory: context.containerDirectory)
        // A tmpfs left by an earlier start goes first, even if this start fails.
        try directory.clear()
        let files = FileCache()
        let config = try ConfigLoader.load(context, proxmoxDirectory: proxmoxDirectory, files: files)
        let devices = try DevicePlanner.requestedDevices(entries: config.devices, idMap: config.idMap)
        var hostDevices: [HostDevice] = []
        for device in devices { hostDevices.append(try hostDevice(device)) }
        try checkRules(devices: devices, hostDevices: hostDevices, context: context, files: files)
        let plan = PrestartPlan(devices: devices, hostDevices: hostDevices, containerRoot: config.idMap.hostRoot)
        try directory.apply(plan)
        return devices.count
    }

    /// Refuses a device the container's device cgroup rules would not give the
    /// access asked for (a USB adapter plugged in again with a new number
    /// since the last `lxc-passthrough sync`): better a clear refusal than a
    /// node that answers EPERM.
    static func checkRules(
        devices: [RequestedDevice], hostDevices: [HostDevice], context: HookContext, files: FileCache,
        hierarchy: DeviceRule.Hierarchy = .detect()
    ) throws(HookFailure) {
        guard !devices.isEmpty else { return }
        let rules: [DeviceRule]
        do {
            rules = try ConfigReader(readFile: files.content(of:)).deviceRules(configPath: context.configFile, includingManagedBlock: true)
        } catch {
            throw HookFailure("cannot read the container's device rules: \(error)")
        }
        let policy = DevicePolicy(hierarchy: hierarchy, rules: rules)
        for (device, host) in zip(devices, hostDevices) {
            let needs = RulePlanner.Device(type: host.type, number: host.number, denyWrite: device.spec.denyWrite)
            if let problem = RulePlanner.outOfDate(needs, under: policy, containerName: context.containerName) {
                throw HookFailure(device: device.label, problem)
            }
        }
    }

    /// Looks the device up on the host, following symlinks.
    static func hostDevice(_ device: RequestedDevice) throws(HookFailure) -> HostDevice {
        switch HostLookup.live(device.spec.path) {
        case .device(let host): return host
        case .missing(let why), .notADevice(let why): throw HookFailure(device: device.label, why)
        }
    }
}

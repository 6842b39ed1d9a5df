import PassthroughModel

/// Everything `lxc-passthrough doctor` learned of one entry, gathered from
/// the host (and read confined inside the container) before anything is
/// judged: `DoctorChain` judges it, a pure function of these facts.
public struct DoctorFacts: Equatable, Sendable {
    public var container: String
    /// The container's config, where the entry is.
    public var configPath: String
    /// Its container path when it is not LXC's default (fixes then say `-P DIR`).
    public var lxcPath: String? = nil
    /// The entry as `list` and pre-start judge it (link 1, 2 and the config's rules of 3).
    public var report: DeviceReport
    /// Where the node is inside: `mp=`, the path, or a USB entry's first node's host path.
    public var containerPath: String?
    /// When the container runs (as the host's own record and /proc say); nil when it does not.
    public var running: Running?
    /// Link 6: the accounts inside, or why they could not be read.
    public var groups: Result<GroupFacts, DoctorProblem>?
    /// Link 7: the udev rules inside that name the device, or why they could not be read.
    public var udev: Result<UdevFacts, DoctorProblem>?
    /// Link 8.
    public var others: Others = Others()

    public init(container: String, configPath: String, report: DeviceReport, containerPath: String?) {
        self.container = container
        self.configPath = configPath
        self.report = report
        self.containerPath = containerPath
    }

    /// What is known of the running container.
    public struct Running: Equatable, Sendable {
        /// The hierarchy of its device rules (its record's, else this host's).
        public var hierarchy: DeviceRule.Hierarchy
        /// Its id map as the kernel applies it.
        public var idMap: IDMap
        /// The host's record of this run; nil when there is none (a start before records were kept).
        public var record: Recorded?
        /// Cgroup v1: the kernel's `devices.list` of its cgroup; nil on v2 (LXC's list is its monitor's).
        public var kernelList: KernelList?
        /// Cgroup v2: whether lxc-passthrough's own device program (`DeviceDenyMap`) denies the
        /// entry's device; nil on v1, when none is attached, or when it cannot be read.
        public var deniedByOurProgram: Bool?
        /// The node at the entry's path inside and whether it opens (links 4 and 5).
        public var probe: Result<Probe, DoctorProblem>?

        public init(
            hierarchy: DeviceRule.Hierarchy, idMap: IDMap, record: Recorded? = nil, kernelList: KernelList? = nil, probe: Result<Probe, DoctorProblem>? = nil
        ) {
            self.hierarchy = hierarchy
            self.idMap = idMap
            self.record = record
            self.kernelList = kernelList
            self.probe = probe
        }
    }

    /// The host's record of this run, as it concerns the entry.
    public struct Recorded: Equatable, Sendable {
        public var hierarchy: DeviceRule.Hierarchy
        /// The grant under the entry's key, if any.
        public var grant: GrantRecord.Grant?
        /// Whether `detach --temporary` withheld it from this run.
        public var withheld: Bool
        /// The rules in force as the record has them (`LiveDeviceRules`).
        public var rules: LiveDeviceRules

        public init(hierarchy: DeviceRule.Hierarchy, grant: GrantRecord.Grant?, withheld: Bool, rules: LiveDeviceRules) {
            self.hierarchy = hierarchy
            self.grant = grant
            self.withheld = withheld
            self.rules = rules
        }
    }

    /// A cgroup v1 `devices.list`.
    public enum KernelList: Equatable, Sendable {
        /// Its lines: `a *:* rwm` alone when it allows by default (the kernel then does not list what it denies).
        case lines([String])
        /// It could not be read (why).
        case unreadable(String)
    }

    /// What the probe found at the entry's path inside.
    public struct Probe: Equatable, Sendable {
        /// The node's file type bits and permission bits (`st_mode`).
        public var mode: UInt32?
        public var type: DeviceType?
        public var number: DeviceNumber?
        /// Host ids of its owner.
        public var hostUID: UInt32?
        public var hostGID: UInt32?
        /// Why there is nothing there (the lookup's call, path and errno); nil when there is.
        public var lookupFailure: String?
        /// Whether the lookup failed because nothing is at the path (ENOENT).
        public var absent: Bool = false
        /// Nil when no open was tried (not a device node); 0 when it opened; else the open's errno.
        public var openErrno: Int32?
        /// The errno's text (`Operation not permitted (EPERM)`).
        public var openError: String?

        public init() {}
    }

    /// The group the node is given to, as the container's own files have it.
    public struct GroupFacts: Equatable, Sendable {
        /// The group's name for the entry's gid; nil when no group has it.
        public var groupName: String?
        /// Accounts that hold it: listed as its members, or with it as their primary group.
        public var members: [String]
        /// The name of the entry's uid; nil when no account has it.
        public var ownerName: String?
        /// Where they were read (`from the running container, /proc/123/root/etc/group`).
        public var source: String

        public init(groupName: String?, members: [String], ownerName: String?, source: String) {
            self.groupName = groupName
            self.members = members
            self.ownerName = ownerName
            self.source = source
        }
    }

    /// The udev rules inside that name the device and set its owner, group or mode.
    public struct UdevFacts: Equatable, Sendable {
        public var hits: [UdevRules.Hit]
        /// The rules directories found and read.
        public var directories: [String]

        public init(hits: [UdevRules.Hit], directories: [String]) {
            self.hits = hits
            self.directories = directories
        }
    }

    /// Others holding the device.
    public struct Others: Equatable, Sendable {
        /// Entries of other containers naming the same device: container and key.
        public var entries: [Holder] = []
        /// Grants of the same device in other running containers (from the host's records).
        public var grants: [Holder] = []
        /// Host processes (in this process's pid namespace) with it open.
        public var hostProcesses: [DeviceHolder] = []
        /// What could not be looked at (a container's config that cannot be read).
        public var unread: [String] = []

        public init() {}

        public struct Holder: Equatable, Sendable {
            public var container: String
            public var key: String
            public var readOnly: Bool

            public init(container: String, key: String, readOnly: Bool) {
                self.container = container
                self.key = key
                self.readOnly = readOnly
            }
        }
    }
}

/// Why a fact could not be gathered: said as the link's failure.
public struct DoctorProblem: Error, Equatable, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

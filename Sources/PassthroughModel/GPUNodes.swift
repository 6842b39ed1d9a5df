/// The nodes `lxc-passthrough add --gpu` passes, chosen from the device
/// nodes the host has: DRM's `/dev/dri/card*` (group `video`) and
/// `/dev/dri/renderD*` (group `render`), the groups named as the container
/// names them; and NVIDIA's nodes, mode 0666 as its driver makes them, the
/// ones it makes only on first use (`nvidia-uvm`, `nvidia-uvm-tools`)
/// optional, so that the watcher puts them in when they appear.
public enum GPUNodes {
    public struct Node: Equatable, Sendable {
        public var path: String
        /// The group, by its name in the container; nil: root's.
        public var group: String?
        /// The permission bits; nil: the entry's default (0660).
        public var mode: UInt32?
        public var required: Bool
    }

    public static let nvidiaMode: UInt32 = 0o666
    /// Made by NVIDIA's driver (nvidia-modprobe) when first used, not at load.
    public static let lazyNVIDIA = ["nvidia-uvm", "nvidia-uvm-tools"]

    /// The GPU nodes among character device nodes: `dri` names the nodes in
    /// `/dev/dri`, `dev` those in `/dev`, `nvidiaCaps` those in `/dev/nvidia-caps`
    /// (`devices` names the directory taken for `/dev`).
    /// Empty when the host has no GPU.
    public static func select(dri: [String], dev: [String], nvidiaCaps: [String], devices: String = "/dev") -> [Node] {
        var nodes: [Node] = []
        for name in numbered(dri, prefix: "card") {
            nodes.append(Node(path: "\(devices)/dri/\(name)", group: "video", mode: nil, required: true))
        }
        for name in numbered(dri, prefix: "renderD") {
            nodes.append(Node(path: "\(devices)/dri/\(name)", group: "render", mode: nil, required: true))
        }
        let present = Set(dev)
        let boards = numbered(dev, prefix: "nvidia")
        let fixed = ["nvidiactl", "nvidia-modeset"].filter(present.contains)
        guard !boards.isEmpty || !fixed.isEmpty || lazyNVIDIA.contains(where: present.contains) || !nvidiaCaps.isEmpty else {
            return nodes
        }
        for name in boards + fixed {
            nodes.append(Node(path: "\(devices)/\(name)", group: nil, mode: nvidiaMode, required: true))
        }
        for name in lazyNVIDIA {
            nodes.append(Node(path: "\(devices)/\(name)", group: nil, mode: nvidiaMode, required: false))
        }
        for name in nvidiaCaps.sorted(by: numericOrder) {
            nodes.append(Node(path: "\(devices)/nvidia-caps/\(name)", group: nil, mode: nvidiaMode, required: true))
        }
        return nodes
    }

    /// Names made of `prefix` and a decimal number, in numeric order.
    static func numbered(_ names: [String], prefix: String) -> [String] {
        names.filter { name in
            guard name.hasPrefix(prefix) else { return false }
            let digits = name.utf8.dropFirst(prefix.utf8.count)
            return !digits.isEmpty && digits.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
        }.sorted(by: numericOrder)
    }

    /// `card2` before `card10`: shorter trailing numbers first, then by text.
    static func numericOrder(_ left: String, _ right: String) -> Bool {
        left.utf8.count != right.utf8.count ? left.utf8.count < right.utf8.count : left < right
    }
}

import Testing
import PassthroughModel

@Suite("the nodes add --gpu passes")
struct GPUNodesTests {
    @Test func drmNodesGetTheirGroupsByNameInNumericOrder() {
        let nodes = GPUNodes.select(dri: ["renderD129", "card10", "card1", "renderD128", "by-path", "cardX", "card"], dev: ["null", "tty0"], nvidiaCaps: [])
        #expect(nodes.map(\.path) == ["/dev/dri/card1", "/dev/dri/card10", "/dev/dri/renderD128", "/dev/dri/renderD129"])
        #expect(nodes.map(\.group) == ["video", "video", "render", "render"])
        #expect(nodes.allSatisfy { $0.required && $0.mode == nil })
    }

    @Test func nvidiaNodesAreWorldWritableAndTheLazyOnesOptional() {
        let nodes = GPUNodes.select(dri: [], dev: ["nvidia1", "nvidia0", "nvidiactl", "nvidia-modeset", "nvidia-uvm", "nvidiafoo"], nvidiaCaps: ["nvidia-cap2", "nvidia-cap1"])
        #expect(nodes.map(\.path) == [
            "/dev/nvidia0", "/dev/nvidia1", "/dev/nvidiactl", "/dev/nvidia-modeset", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools",
            "/dev/nvidia-caps/nvidia-cap1", "/dev/nvidia-caps/nvidia-cap2",
        ])
        #expect(nodes.allSatisfy { $0.mode == 0o666 && $0.group == nil })
        #expect(nodes.filter { !$0.required }.map(\.path) == ["/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"], "present or not, the driver makes them again on use")
    }

    @Test func noGPUIsNothing() {
        #expect(GPUNodes.select(dri: ["by-path"], dev: ["nvidiafoo", "null"], nvidiaCaps: []).isEmpty)
        #expect(GPUNodes.select(dri: [], dev: ["nvidiactl"], nvidiaCaps: []).map(\.path) == ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"])
    }
}

import TensorCore
import Layers

/// A network's body as a chain of top-level modules (the layers of its `Sequential`), so a
/// solver can run the tail from a cached activation and stop backward at a module.
///
/// Which parameters a module reads is found once by reflection (`Mirror`) over its stored
/// properties — parameters, nested layers, optionals and tuples — so new layer types need no
/// registration here. A body that is not a `Sequential` is one module.
public final class ModuleChain {
    public let network: Network
    /// Top-level modules in forward order.
    public let modules: [Layer]
    /// For each module, the indices (in the store) of the parameters it reads.
    public let parameterIndices: [Set<Int>]

    public init(network: Network) {
        self.network = network
        modules = (network.body as? Sequential)?.layers ?? [network.body]
        parameterIndices = modules.map { Set(ModuleChain.parameters(of: $0).map(\.index)) }
    }

    /// The top-level module that reads parameter `p` (the first one, for shared parameters).
    public func module(of p: Parameter) -> Int? {
        parameterIndices.firstIndex { $0.contains(p.index) }
    }

    /// Runs modules `from..<count` on `x` and returns the logits.
    public func forward(from start: Int, _ x: Tensor, mode: ForwardMode) -> Tensor {
        var h = x
        for i in start..<modules.count { h = modules[i].forward(h, mode: mode) }
        return h
    }

    /// Runs modules `0..<end` on `x` and returns the input of module `end`.
    public func prefix(to end: Int, _ x: Tensor, mode: ForwardMode) -> Tensor {
        var h = x
        for i in 0..<end { h = modules[i].forward(h, mode: mode) }
        return h
    }

    /// Backward through modules `count−1` down to `stop`, with module `stop` told not to compute
    /// its input gradient (restored afterwards): parameter gradients of those modules accumulate.
    public func backward(to stop: Int, _ dlogits: Tensor) {
        withInputGradientOff(at: stop) { backwardAsConfigured(to: stop, dlogits) }
    }

    /// Runs `body` with module `stop` (and the layers producing its input gradient) told not to
    /// compute its input gradient, restored afterwards; nothing changes for `stop` = 0. A solver
    /// brackets a whole loop of `backwardAsConfigured` calls with one scope (the switch allocates
    /// its undo list; the loop then allocates nothing).
    public func withInputGradientOff<R>(at stop: Int, _ body: () -> R) -> R {
        let restore = stop > 0 ? Self.disableInputGradient(modules[stop]) : {}
        defer { restore() }
        return body()
    }

    /// Backward through modules `count−1` down to `stop` with the layers' input-gradient switches
    /// as they are (inside `withInputGradientOff(at: stop)` this is `backward(to: stop)`).
    public func backwardAsConfigured(to stop: Int, _ dlogits: Tensor) {
        var g = dlogits
        for i in (stop..<modules.count).reversed() { g = modules[i].backward(g) }
    }

    // MARK: - Reflection

    /// Every parameter `layer` reads, in property order, without duplicates.
    public static func parameters(of layer: Layer) -> [Parameter] {
        var seen = Set<ObjectIdentifier>()
        var out: [Parameter] = []
        func walk(_ value: Any, depth: Int) {
            guard depth < 64 else { return }
            if let p = value as? Parameter {
                if seen.insert(ObjectIdentifier(p)).inserted { out.append(p) }
                return
            }
            let mirror = Mirror(reflecting: value)
            let isLayer = value is Layer
            guard isLayer || [.optional, .tuple, .collection].contains(mirror.displayStyle) else { return }
            var m: Mirror? = mirror
            while let current = m {
                for child in current.children { walk(child.value, depth: depth + 1) }
                m = isLayer ? current.superclassMirror : nil
            }
        }
        walk(layer, depth: 0)
        return out
    }

    /// Turns off the input gradient of `layer` and of the layers that produce it (the first
    /// layer of a `Sequential`, both convolutions reading a `BasicBlock`'s input), which were
    /// prepared with it on, so nothing beyond the module is computed. Returns the undo.
    static func disableInputGradient(_ layer: Layer) -> () -> Void {
        var undo: [(Layer, Bool)] = []
        func off(_ l: Layer) {
            undo.append((l, l.computesInputGradient))
            l.computesInputGradient = false
        }
        func visit(_ l: Layer) {
            off(l)
            if let s = l as? Sequential, let first = s.layers.first { visit(first) }
            if let b = l as? BasicBlock {
                off(b.conv1)
                if let sc = b.shortcut { off(sc.conv) }
            }
        }
        visit(layer)
        return { for (l, v) in undo.reversed() { l.computesInputGradient = v } }
    }
}

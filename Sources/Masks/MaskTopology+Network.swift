import Layers

extension MaskTopology {
    /// The topology of `network`'s body: the input's channels (its features when a sample is not
    /// `[C, H, W]`), one group per linear layer and convolution, and for a `BasicBlock` its
    /// main path (conv1 → conv2) plus its shortcut (the projection conv, or an identity) into
    /// the block's output group. nil when the body holds a layer this walk does not know (every
    /// model of `ModelRegistry` is known; a test checks it).
    public init?(network: Network) {
        let s = network.sampleShape
        var topology = MaskTopology(inputUnits: s.rank == 3 ? s[0] : s.count)
        guard let output = topology.add(network.body, from: 0), output == topology.groupSizes.count - 1,
              topology.groupSizes[output] == network.classes else { return nil }
        self = topology
    }

    /// Adds `layer` fed by group `input`; returns the group its output belongs to.
    private mutating func add(_ layer: Layer, from input: Int) -> Int? {
        switch layer {
        case let sequence as Sequential:
            var g = input
            for l in sequence.layers {
                guard let next = add(l, from: g) else { return nil }
                g = next
            }
            return g
        case let linear as Linear:
            guard linear.inFeatures % groupSizes[input] == 0 else { return nil }
            return add(linear.weight, units: linear.outFeatures, from: input)
        case let conv as Conv2d:
            guard conv.inChannels == groupSizes[input] else { return nil }
            return add(conv.weight, units: conv.outChannels, from: input)
        case let block as BasicBlock:
            guard block.conv1.inChannels == groupSizes[input] else { return nil }
            let middle = add(block.conv1.weight, units: block.conv1.outChannels, from: input)
            let output = add(block.conv2.weight, units: block.conv2.outChannels, from: middle)
            if let (projection, _) = block.shortcut {
                connect(projection.weight.name, shape: projection.weight.shape.dims, from: input, to: output)
            } else {
                guard groupSizes[input] == groupSizes[output] else { return nil }
                connectIdentity(from: input, to: output)
            }
            return output
        case is BatchNorm, is ReLU, is Dropout, is Flatten, is MaxPool2d, is AvgPool2d, is GlobalAvgPool2d:
            return input   // unit by unit (or a reshape): the same units
        default:
            return nil
        }
    }

    /// A new group of `units` fed by `weight` from `input`.
    private mutating func add(_ weight: Parameter, units: Int, from input: Int) -> Int {
        let g = addGroup(units: units)
        connect(weight.name, shape: weight.shape.dims, from: input, to: g)
        return g
    }
}

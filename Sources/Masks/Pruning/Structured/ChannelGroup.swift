import Layers

/// One set of channels that structured pruning removes together: the output channels (filters
/// of a convolution, units of a linear layer) of a `producer`, the BatchNorm channels right after
/// it (if any), and the matching input slice of the next `consumer` layer.
///
/// Shapes (C = `width` channels):
///
///     producer.weight  [C, …]          row c = filter / unit c        (conv OIHW, linear [out, in])
///     producer.bias    [C]             (absent in ResNets)
///     norm             γ, β, running mean, running var, each [C]
///     consumer.weight  [R, C·inner]    viewed as [R, C, inner]: inner = K·K for a convolution,
///                                      the flattened plane H·W for a linear layer after Flatten, else 1
///
/// Only channels whose every reader is the consumer form a group: in a ResNet that is the inside
/// of each BasicBlock (conv1's filters, bn1, conv2's inputs). The stem and every block output feed
/// the residual sums, so they are never grouped, and the output layer's units are the classes.
public struct ChannelGroup {
    /// Which model option lists the group's width: convolutions go to `channels`, linear layers to `hidden`.
    public enum Kind: String, Sendable { case convolution, linear }

    public let kind: Kind
    public let producer: Parameter
    public let producerBias: Parameter?
    public let norm: BatchNorm?
    public let consumer: Parameter
    /// Consumer input entries per channel (see the type's comment).
    public let inner: Int

    /// The producer's module, e.g. "layer1.0.conv1" or "fc1".
    public var name: String { producer.module }
    /// Channels in the group.
    public var width: Int { producer.shape[0] }

    /// The groups of `network`, in layer order: a walk of its top-level layers that pairs each
    /// convolution or linear layer (and a BatchNorm right after it) with the next convolution or
    /// linear layer, across ReLU, pooling, dropout and Flatten; every BasicBlock contributes its
    /// inner group and breaks the chain.
    public static func groups(of network: Network) -> [ChannelGroup] {
        guard let body = network.body as? Sequential else { return [] }
        var out: [ChannelGroup] = []
        var pending: (kind: Kind, weight: Parameter, bias: Parameter?, norm: BatchNorm?)?
        func close(consumer: Parameter, inFeatures: Int, kernelArea: Int?) {
            guard let p = pending else { return }
            let c = p.weight.shape[0]
            let inner = kernelArea ?? inFeatures / c
            precondition(inFeatures == c * (kernelArea == nil ? inner : 1), "channel group \(p.weight.module): \(inFeatures) inputs of \(consumer.name) for \(c) channels")
            out.append(ChannelGroup(kind: p.kind, producer: p.weight, producerBias: p.bias, norm: p.norm, consumer: consumer, inner: inner))
        }
        for layer in body.layers {
            switch layer {
            case let conv as Conv2d:
                close(consumer: conv.weight, inFeatures: conv.inChannels, kernelArea: conv.kernel * conv.kernel)
                pending = (.convolution, conv.weight, conv.bias, nil)
            case let linear as Linear:
                close(consumer: linear.weight, inFeatures: linear.inFeatures, kernelArea: nil)
                pending = (.linear, linear.weight, linear.bias, nil)
            case let bn as BatchNorm:
                if pending?.norm == nil && pending?.weight.shape[0] == bn.channels { pending?.norm = bn } else { pending = nil }
            case let block as BasicBlock:
                pending = nil
                out.append(ChannelGroup(kind: .convolution, producer: block.conv1.weight, producerBias: nil, norm: block.bn1,
                                        consumer: block.conv2.weight, inner: block.conv2.kernel * block.conv2.kernel))
            case is ReLU, is MaxPool2d, is AvgPool2d, is Dropout, is Flatten:
                continue
            default:
                pending = nil   // an unknown layer may mix channels: nothing across it is grouped
            }
        }
        return out
    }
}

import Layers
import TensorCore

/// The `features` of the torchvision-style CIFAR nets (AlexNet, VGG): one `nn.Sequential` of
/// 3×3 convolutions (stride 1, padding 1, bias), each followed by a BatchNorm when `batchNorm`
/// and a ReLU, with a 2×2 max pool for every 0 of the configuration.
///
/// Names count every module of the Sequential, as PyTorch's state_dict does: the convolution at
/// index i is `features.i`, its BatchNorm `features.(i+1)`; ReLUs and pools take an index but
/// hold no tensors (AlexNet: conv, relu → 2 indices; VGG: conv, bn, relu → 3; a pool → 1).
struct FeatureStack {
    /// The layers, in order.
    var layers: [Layer] = []
    /// The output's channels, height and width (spatial).
    var outputChannels: Int, outputHeight: Int, outputWidth: Int

    /// `configuration`: output channels at width 64 per convolution, 0 for a pool; a
    /// convolution's channels are `convolutionChannels[k]` (the k-th convolution, a structurally
    /// pruned model) or `entry · widthScale / 64` (the models' `--width`).
    init(_ configuration: [Int], widthScale: Int, convolutionChannels: [Int]? = nil, batchNorm: Bool, sampleShape: Shape,
         builder: ParameterBuilder) {
        let workspace = ConvolutionWorkspace()
        outputChannels = sampleShape[0]
        outputHeight = sampleShape[1]
        outputWidth = sampleShape[2]
        var index = 0   // the PyTorch index in `features`
        var conv = 0
        for entry in configuration {
            if entry == 0 {
                layers.append(MaxPool2d(kernel: 2))
                outputHeight /= 2
                outputWidth /= 2
                index += 1
            } else {
                let out = convolutionChannels?[conv] ?? entry * widthScale / 64
                layers.append(Conv2d("features.\(index)", outputChannels, out, kernel: 3, padding: 1, workspace: workspace, builder: builder))
                if batchNorm { layers.append(BatchNorm("features.\(index + 1)", channels: out, builder: builder)) }
                layers.append(ReLU())
                outputChannels = out
                index += batchNorm ? 3 : 2
                conv += 1
            }
        }
    }

    /// Features after the flatten: channels · height · width.
    var flattened: Int { outputChannels * outputHeight * outputWidth }
}

import Foundation
import Models

/// `model.py` of a structured-pruning folder: the PyTorch module of the pruned model (the
/// registry's architectures with the pruned widths, PyTorch names as MaskLab's), so that
///
///     import model; net = model.build(); net.load_state_dict(load_file("model.safetensors"), strict=True)
///
/// loads the weights strictly (`python model.py` does that and prints the parameter count).
/// Written for the models structured pruning supports: resnet18/34, conv2/4/6, vgg11/16/19, mlp.
public enum PyTorchTwin {
    public static let file = "model.py"

    /// The module source for `model` with `options` on samples of `shape` with `classes` classes.
    public static func source(model: String, options: ModelOptions, sampleShape: [Int], classes: Int) -> String? {
        let body: String
        switch model {
        case "resnet18", "resnet34":
            guard let blocks = CIFARResNet.depths[model] else { return nil }
            let width = options.width ?? 64
            body = """
                class Block(nn.Module):
                    def __init__(s, i, mid, o, stride):
                        super().__init__()
                        s.conv1 = nn.Conv2d(i, mid, 3, stride, 1, bias=False); s.bn1 = nn.BatchNorm2d(mid)
                        s.conv2 = nn.Conv2d(mid, o, 3, 1, 1, bias=False); s.bn2 = nn.BatchNorm2d(o)
                        s.shortcut = nn.Sequential()
                        if stride != 1 or i != o:
                            s.shortcut = nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False), nn.BatchNorm2d(o))
                    def forward(s, x):
                        return F.relu(s.bn2(s.conv2(F.relu(s.bn1(s.conv1(x))))) + s.shortcut(x))

                class Model(nn.Module):
                    def __init__(s, width=\(width), blocks=\(blocks), inner=\(list(options.channels)), channels=\(sampleShape[0]), classes=\(classes)):
                        super().__init__()
                        s.conv1 = nn.Conv2d(channels, width, 3, 1, 1, bias=False); s.bn1 = nn.BatchNorm2d(width)
                        c, k = width, 0
                        for stage, count in enumerate(blocks):
                            layers = []
                            for b in range(count):
                                o = width << stage
                                layers.append(Block(c, inner[k] if inner else o, o, 2 if stage > 0 and b == 0 else 1))
                                c, k = o, k + 1
                            setattr(s, f"layer{stage + 1}", nn.Sequential(*layers))
                        s.linear = nn.Linear(c, classes)
                    def forward(s, x):
                        x = F.relu(s.bn1(s.conv1(x)))
                        x = s.layer4(s.layer3(s.layer2(s.layer1(x))))
                        return s.linear(F.adaptive_avg_pool2d(x, 1).flatten(1))
                """
        case "conv2", "conv4", "conv6":
            guard let convCount = Int(model.dropFirst(4)) else { return nil }
            let pairs = convCount / 2
            let width = options.width ?? 64
            let convs = options.channels ?? (0..<(2 * pairs)).map { ((64 << ($0 / 2)) * width) / 64 }
            let fc = options.hidden ?? [256, 256]
            body = """
                class Model(nn.Module):
                    def __init__(s, convs=\(convs), fc=\(fc), shape=\(sampleShape), classes=\(classes)):
                        super().__init__()
                        c, h, w = shape
                        for i, o in enumerate(convs):
                            setattr(s, f"conv{i + 1}", nn.Conv2d(c, o, 3, 1, 1)); c = o
                        s.n = len(convs)
                        h, w = h >> (s.n // 2), w >> (s.n // 2)
                        s.fc1 = nn.Linear(c * h * w, fc[0]); s.fc2 = nn.Linear(fc[0], fc[1]); s.fc3 = nn.Linear(fc[1], classes)
                    def forward(s, x):
                        for i in range(s.n):
                            x = F.relu(getattr(s, f"conv{i + 1}")(x))
                            if i % 2 == 1: x = F.max_pool2d(x, 2)
                        x = F.relu(s.fc1(x.flatten(1)))
                        return s.fc3(F.relu(s.fc2(x)))
                """
        case "vgg11", "vgg16", "vgg19":
            guard let config = VGG.configurations[model] else { return nil }
            let width = options.width ?? 64
            var k = 0
            let layout = config.map { e -> Int in
                guard e > 0 else { return 0 }
                defer { k += 1 }
                return options.channels?[k] ?? e * width / 64
            }
            body = """
                class Model(nn.Module):
                    def __init__(s, layout=\(layout), shape=\(sampleShape), classes=\(classes)):
                        super().__init__()
                        c, h, w, layers = shape[0], shape[1], shape[2], []
                        for o in layout:
                            if o == 0:
                                layers.append(nn.MaxPool2d(2, 2)); h, w = h // 2, w // 2
                            else:
                                layers += [nn.Conv2d(c, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(inplace=True)]; c = o
                        s.features = nn.Sequential(*layers)
                        s.classifier = nn.Linear(c * h * w, classes)
                    def forward(s, x):
                        return s.classifier(s.features(x).flatten(1))
                """
        case "mlp":
            body = """
                class Model(nn.Module):
                    def __init__(s, hidden=\(options.hidden ?? [300, 100]), batch_norm=\(options.batchNorm == true ? "True" : "False"), inputs=\(sampleShape.reduce(1, *)), classes=\(classes)):
                        super().__init__()
                        s.n, s.batch_norm, c = len(hidden), batch_norm, inputs
                        for i, h in enumerate(hidden):
                            setattr(s, f"fc{i + 1}", nn.Linear(c, h)); c = h
                            if batch_norm: setattr(s, f"bn{i + 1}", nn.BatchNorm1d(h))
                        setattr(s, f"fc{len(hidden) + 1}", nn.Linear(c, classes))
                    def forward(s, x):
                        x = x.flatten(1)
                        for i in range(s.n):
                            x = getattr(s, f"fc{i + 1}")(x)
                            if s.batch_norm: x = getattr(s, f"bn{i + 1}")(x)
                            x = F.relu(x)
                        return getattr(s, f"fc{s.n + 1}")(x)
                """
        default:
            return nil
        }
        return """
            \"\"\"PyTorch twin of the pruned \(model) in this folder (written by `masklab prune --structured`).

                import model; net = model.build()
                net.load_state_dict(safetensors.torch.load_file("model.safetensors"), strict=True)

            Dropout layers (if the run had any) hold no tensors and are left out; call net.eval() to evaluate.
            \"\"\"
            import os
            import torch.nn as nn
            import torch.nn.functional as F


            \(body)

            def build():
                return Model()


            if __name__ == "__main__":
                from safetensors.torch import load_file
                net = build()
                net.load_state_dict(load_file(os.path.join(os.path.dirname(os.path.abspath(__file__)), "model.safetensors")), strict=True)
                print("loaded", sum(p.numel() for p in net.parameters()), "parameters")

            """
    }

    private static func list(_ values: [Int]?) -> String { values.map { "\($0)" } ?? "None" }
}

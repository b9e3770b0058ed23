import Foundation

/// Double-precision reference forwards of the convolutional layers, written from the
/// definitions (PyTorch semantics), for gradient checks. Layouts as MaskLab: NCHW inputs, OIHW
/// weights.
extension ReferenceLayers {
    /// `y[n, o, oh, ow] = b[o] + Σ_{c,kh,kw} W[o, c, kh, kw] · x[n, c, oh·s − p + kh, ow·s − p + kw]`
    /// (zero padding). `x` is `[N, C, H, W]`; returns `[N, O, OH, OW]`.
    public static func conv2d(_ x: [Double], weight: [Double], bias: [Double]?, channels c: Int, height h: Int, width w: Int,
                              outChannels o: Int, kernel k: Int, stride s: Int, padding p: Int) -> [Double] {
        let n = x.count / (c * h * w)
        let oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
        var y = [Double](repeating: 0, count: n * o * oh * ow)
        for i in 0..<n { for oc in 0..<o { for a in 0..<oh { for b in 0..<ow {
            var sum = bias?[oc] ?? 0
            for ic in 0..<c { for kh in 0..<k { for kw in 0..<k {
                let ih = a * s - p + kh, iw = b * s - p + kw
                guard ih >= 0, ih < h, iw >= 0, iw < w else { continue }
                sum += weight[((oc * c + ic) * k + kh) * k + kw] * x[((i * c + ic) * h + ih) * w + iw]
            } } }
            y[((i * o + oc) * oh + a) * ow + b] = sum
        } } } }
        return y
    }

    /// Max (or mean, when `average`) over unpadded k×k windows with stride s of `[N, C, H, W]`.
    public static func pool2d(_ x: [Double], channels c: Int, height h: Int, width w: Int, kernel k: Int, stride s: Int,
                              average: Bool) -> [Double] {
        let n = x.count / (c * h * w)
        let oh = (h - k) / s + 1, ow = (w - k) / s + 1
        var y: [Double] = []
        for q in 0..<(n * c) { for a in 0..<oh { for b in 0..<ow {
            var values: [Double] = []
            for kh in 0..<k { for kw in 0..<k { values.append(x[q * h * w + (a * s + kh) * w + b * s + kw]) } }
            y.append(average ? values.reduce(0, +) / Double(values.count) : values.max()!)
        } } }
        return y
    }

    /// Mean of every `plane`-element channel: `[N, C, H, W]` → `[N, C]`.
    public static func globalAvgPool(_ x: [Double], plane: Int) -> [Double] {
        stride(from: 0, to: x.count, by: plane).map { x[$0..<($0 + plane)].reduce(0, +) / Double(plane) }
    }

    /// BatchNorm with batch statistics on `[N, C, H, W]` using the parameters `module.weight`, `module.bias`.
    public static func batchNorm2d(_ x: [Double], _ ps: [String: [Double]], _ module: String, channels c: Int, plane: Int) -> [Double] {
        batchNorm(x, gamma: ps[module + ".weight"]!, beta: ps[module + ".bias"]!, channels: c, spatial: plane)
    }

    /// A CIFAR BasicBlock (kuangliu style) on `[N, I, H, W]` with parameters under `module`;
    /// returns the output and its spatial size.
    public static func basicBlock(_ x: [Double], _ ps: [String: [Double]], _ module: String, inChannels ic: Int,
                                  outChannels oc: Int, height h: Int, width w: Int, stride s: Int) -> (y: [Double], height: Int, width: Int) {
        let oh = (h + 2 - 3) / s + 1, ow = (w + 2 - 3) / s + 1
        var t = conv2d(x, weight: ps[module + ".conv1.weight"]!, bias: nil, channels: ic, height: h, width: w,
                       outChannels: oc, kernel: 3, stride: s, padding: 1)
        t = relu(batchNorm2d(t, ps, module + ".bn1", channels: oc, plane: oh * ow))
        t = conv2d(t, weight: ps[module + ".conv2.weight"]!, bias: nil, channels: oc, height: oh, width: ow,
                   outChannels: oc, kernel: 3, stride: 1, padding: 1)
        t = batchNorm2d(t, ps, module + ".bn2", channels: oc, plane: oh * ow)
        var shortcut = x
        if s != 1 || ic != oc {
            shortcut = conv2d(x, weight: ps[module + ".shortcut.0.weight"]!, bias: nil, channels: ic, height: h, width: w,
                              outChannels: oc, kernel: 1, stride: s, padding: 0)
            shortcut = batchNorm2d(shortcut, ps, module + ".shortcut.1", channels: oc, plane: oh * ow)
        }
        return (relu(zip(t, shortcut).map { $0 + $1 }), oh, ow)
    }

    /// The CIFAR ResNet of `Models.CIFARResNet` (batch statistics) on `[N, C, H, W]`, with
    /// `blocks` BasicBlocks per stage (ResNet-18's [2, 2, 2, 2] by default, ResNet-34's [3, 4, 6, 3]).
    public static func resnet18(_ x: [Double], _ ps: [String: [Double]], channels c: Int, height h: Int, width w: Int,
                                baseWidth: Int, classes: Int, blocks: [Int] = [2, 2, 2, 2]) -> [Double] {
        var t = conv2d(x, weight: ps["conv1.weight"]!, bias: nil, channels: c, height: h, width: w,
                       outChannels: baseWidth, kernel: 3, stride: 1, padding: 1)
        t = relu(batchNorm2d(t, ps, "bn1", channels: baseWidth, plane: h * w))
        var (ch, hh, ww) = (baseWidth, h, w)
        for (stage, count) in blocks.enumerated() {
            let out = baseWidth << stage
            for block in 0..<count {
                let s = stage > 0 && block == 0 ? 2 : 1
                let r = basicBlock(t, ps, "layer\(stage + 1).\(block)", inChannels: ch, outChannels: out, height: hh, width: ww, stride: s)
                (t, hh, ww, ch) = (r.y, r.height, r.width, out)
            }
        }
        t = globalAvgPool(t, plane: hh * ww)
        return linear(t, weight: ps["linear.weight"]!, bias: ps["linear.bias"]!, inFeatures: ch, outFeatures: classes)
    }
}

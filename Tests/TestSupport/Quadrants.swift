import TensorCore
import Stats
import Datasets

/// A small synthetic image-classification problem shared by the training and mask tests (fast in
/// a debug build): 8×8 one-channel images in 4 classes, where class c has its quadrant c brightened
/// by 120 on top of uniform noise in 0..<100, so the classes are linearly separable.
public enum Quadrants {
    /// `count` samples drawn from the stream seeded with `seed`; normalised with mean 0.3, std 0.25.
    public static func dataset(count: Int, seed: UInt64, name: String) -> Dataset {
        let rng = RandomStream(seed: seed)
        var pixels = [UInt8](repeating: 0, count: count * 64)
        var labels = [Int32](repeating: 0, count: count)
        for i in 0..<count {
            let c = rng.integer(below: 4)
            labels[i] = Int32(c)
            for y in 0..<8 {
                for x in 0..<8 {
                    var v = rng.integer(below: 100)
                    if (y / 4) * 2 + (x / 4) == c { v += 120 }
                    pixels[i * 64 + y * 8 + x] = UInt8(v)
                }
            }
        }
        return Dataset(name: name, sampleShape: Shape(1, 8, 8), classes: 4, pixels: pixels, labels: labels,
                       mean: [0.3], std: [0.25])
    }
}

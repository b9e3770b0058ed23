import Foundation

/// The largest absolute difference between two equal-length arrays and where it occurs.
public struct LargestDifference: CustomStringConvertible, Sendable {
    public let index: Int
    public let expected: Double
    public let actual: Double
    public var absolute: Double { abs(expected - actual) }
    public var description: String {
        "largest difference \(absolute) at index \(index): expected \(expected), got \(actual)"
    }
}

/// Compares `actual` with `expected` and returns the worst entry (nil when both are empty).
public func largestDifference(_ expected: [Double], _ actual: [Double]) -> LargestDifference? {
    precondition(expected.count == actual.count, "compared arrays differ in length: \(expected.count) vs \(actual.count)")
    var worst: LargestDifference?
    for i in expected.indices {
        let d = abs(expected[i] - actual[i])
        if worst == nil || d > worst!.absolute || d.isNaN {
            worst = LargestDifference(index: i, expected: expected[i], actual: actual[i])
        }
    }
    return worst
}

public func largestDifference(_ expected: [Float], _ actual: [Float]) -> LargestDifference? {
    largestDifference(expected.map(Double.init), actual.map(Double.init))
}

/// A fresh temporary directory, removed when the value is released.
public final class TemporaryDirectory: @unchecked Sendable {
    public let url: URL
    public init(_ label: String = "masklab-test") {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)", isDirectory: true)
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    public var path: String { url.path }
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    deinit { try? FileManager.default.removeItem(at: url) }
}

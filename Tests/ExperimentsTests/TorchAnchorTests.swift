import XCTest
@testable import Experiments

/// Reading `bench/torch_anchor.py`'s output: training and evaluation figures per workload, each
/// from PyTorch's faster layout.
final class TorchAnchorTests: XCTestCase {
    /// The ResNets take the variant with the most training images/s for the training columns and,
    /// separately, the one with the most evaluation images/s for the evaluation column; a line
    /// without `eval_img/s` (an older script) leaves the evaluation figure nil.
    func testTrainingAndEvaluationTakeTheirOwnFasterVariant() {
        let lines = [
            "sgemm2048\tGFLOP/s=295.4",
            "mlp-lenet300\tbatch=60\timg/s=44286.7\tstep_ms=1.4\ttrain_GFLOP/s=70.7\tfwd_MFLOP/img=0.5\teval_img/s=309826.5",
            "resnet18-w16\tbatch=128\timg/s=595.9\tstep_ms=214.8\ttrain_GFLOP/s=125.3\tfwd_MFLOP/img=70.1\teval_img/s=2431.2",
            "resnet18-w16-cl\tbatch=128\timg/s=580.0\tstep_ms=220.7\ttrain_GFLOP/s=121.9\tfwd_MFLOP/img=70.1\teval_img/s=2600.0",
            "resnet18-w64\tbatch=128\timg/s=56.9\tstep_ms=2248.6\ttrain_GFLOP/s=189.7\tfwd_MFLOP/img=1110.8\teval_img/s=218.6",
            "resnet18-w64-cl\tbatch=128\timg/s=64.0\tstep_ms=2000.5\ttrain_GFLOP/s=213.2\tfwd_MFLOP/img=1110.8",
        ]
        let results = TorchAnchor.collect(lines, workloads: ["mlp", "resnet18-w16", "resnet18-w64"], peakResidentBytes: 1 << 30)
        XCTAssertEqual(results.map(\.workload), ["mlp", "resnet18-w16", "resnet18-w64"])
        XCTAssertEqual(results[0].evalImagesPerSecond, 309826.5)
        XCTAssertEqual(results[0].evalVariant, "mlp-lenet300")
        XCTAssertEqual(results[1].variant, "resnet18-w16")
        XCTAssertEqual(results[1].imagesPerSecond, 595.9)
        XCTAssertEqual(results[1].evalVariant, "resnet18-w16-cl")
        XCTAssertEqual(results[1].evalImagesPerSecond, 2600.0)
        XCTAssertEqual(results[2].variant, "resnet18-w64-cl")
        XCTAssertEqual(results[2].evalVariant, "resnet18-w64", "the channels_last line has no evaluation figure")
        XCTAssertEqual(results[2].evalImagesPerSecond, 218.6)
        XCTAssertEqual(results[2].peakResidentBytes, 1 << 30)
        let old = TorchAnchor.collect(["resnet18-w64\tbatch=128\timg/s=56.9\tstep_ms=2248.6\ttrain_GFLOP/s=189.7"],
                                      workloads: ["resnet18-w64"], peakResidentBytes: nil)
        XCTAssertEqual(old.count, 1)
        XCTAssertNil(old[0].evalImagesPerSecond)
    }
}

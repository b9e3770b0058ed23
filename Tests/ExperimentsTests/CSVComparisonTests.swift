import XCTest
@testable import Experiments

/// `CSVComparison`, the value-by-value check behind `masklab reproduce`.
final class CSVComparisonTests: XCTestCase {
    private let original = """
        epoch,iterations,train_loss,test_accuracy,images_per_second,wall_seconds
        1,10,0.5132447,0.9368,12874.2,1.6
        2,20,0.3120001,0.9511,13001.0,1.5
        3,30,0.2500004,0.9602,12950.7,1.5

        """

    func testEqualValuesAreIdenticalWhateverTheTimings() {
        let timedOtherwise = original.replacingOccurrences(of: "12874.2,1.6", with: "9000.0,2.9")
        let c = CSVComparison.compare(file: "metrics.csv", original: original, reproduced: timedOtherwise, throughEpoch: nil)
        XCTAssertTrue(c.identical)
        XCTAssertEqual(c.rows, 3)
        XCTAssertEqual(c.columns, 4)
        XCTAssertEqual(c.values, 12)
        XCTAssertEqual(c.skippedColumns, ["images_per_second", "wall_seconds"])
        XCTAssertTrue(c.line.hasPrefix("metrics.csv: 3 rows × 4 columns, identical"), c.line)
    }

    func testTheFirstDifferenceIsNamedAndCounted() {
        let changed = original.replacingOccurrences(of: "0.3120001", with: "0.3120002").replacingOccurrences(of: "0.9602", with: "0.9601")
        let c = CSVComparison.compare(file: "metrics.csv", original: original, reproduced: changed, throughEpoch: nil)
        XCTAssertFalse(c.identical)
        XCTAssertEqual(c.differences, 2)
        XCTAssertEqual(c.first, .init(row: 2, epoch: "2", column: "train_loss", original: "0.3120001", reproduced: "0.3120002"))
        XCTAssertEqual(c.largestRelative ?? 0, 0.0001 / 0.9602, accuracy: 1e-9, "relative to the larger magnitude")
        XCTAssertEqual(c.largestRelativeColumn, "test_accuracy")
        XCTAssertTrue(c.line.contains("DIFFERENT: 2 of 12 values differ; first at row 2 (epoch 2), train_loss: 0.3120001 → 0.3120002"), c.line)
    }

    func testThroughAnEpochComparesOnlyThoseRowsAndAShorterReproductionIsNotADifference() {
        let firstTwo = original.split(separator: "\n").prefix(3).joined(separator: "\n")
        let c = CSVComparison.compare(file: "metrics.csv", original: original, reproduced: firstTwo, throughEpoch: 2)
        XCTAssertTrue(c.identical, c.line)
        XCTAssertEqual(c.rows, 2)
        let all = CSVComparison.compare(file: "metrics.csv", original: original, reproduced: firstTwo, throughEpoch: nil)
        XCTAssertFalse(all.identical)
        XCTAssertEqual(all.problem, "the original has 3 rows, the reproduction 2")
    }

    func testOldFilesCountingEpochsFromZeroLineUpFileByFile() {
        let zeroBased = original.replacingOccurrences(of: "\n1,10", with: "\n0,10").replacingOccurrences(of: "\n2,20", with: "\n1,20")
            .replacingOccurrences(of: "\n3,30", with: "\n2,30")
        let c = CSVComparison.compare(file: "masks.csv", original: zeroBased, reproduced: original, throughEpoch: 2)
        XCTAssertTrue(c.identical, c.line)
        XCTAssertEqual(c.rows, 2)
        XCTAssertTrue(CSVComparison.compare(file: "masks.csv", original: zeroBased, reproduced: original, throughEpoch: nil).identical)
        // A file counting from 1 is not shifted: against a 0-based reproduction its epochs differ.
        let d = CSVComparison.compare(file: "masks.csv", original: original, reproduced: zeroBased, throughEpoch: nil)
        XCTAssertEqual(d.first?.column, "epoch", d.line)
    }

    func testAFileWithNoValueColumnInCommonIsADifference() {
        let renamed = "epoch,ITERATIONS,TRAIN_LOSS,TEST_ACCURACY\n1,999,999,999\n2,999,999,999\n3,999,999,999\n"
        let c = CSVComparison.compare(file: "metrics.csv", original: original, reproduced: renamed, throughEpoch: nil)
        XCTAssertFalse(c.identical, c.line)
        XCTAssertEqual(c.problem, "no value column in common")
        XCTAssertFalse(CSVComparison.compare(file: "metrics.csv", original: "", reproduced: original, throughEpoch: nil).identical,
                       "an empty original is a difference, not a file left out")
    }

    func testLevelResultsAreComparedAsWrittenToTheLastDigit() throws {
        let a = """
            {
              "arm" : "ticket",
              "earlyStopValidationLoss" : 0.44275832620458194,
              "finalTestLoss" : 0.5165698769236968,
              "level" : 1,
              "seconds" : 12.5
            }
            """
        let oneULP = a.replacingOccurrences(of: "0.44275832620458194", with: "0.4427583262045819")
        let x = try XCTUnwrap(RunReproduction.jsonRow(a)), y = try XCTUnwrap(RunReproduction.jsonRow(oneULP))
        let c = CSVComparison.compare(file: "level.json", original: x, reproduced: y, throughEpoch: nil)
        XCTAssertEqual(c.differences, 1, c.line)
        XCTAssertEqual(c.first?.original, "0.44275832620458194")
        XCTAssertEqual(c.skippedColumns, ["seconds"])
        XCTAssertNil(RunReproduction.jsonRow(String(a.prefix(60))), "a cut file is not read as a shorter one")
    }

    func testColumnsOfOneVersionOnlyAreNamedNotCompared() {
        let newer = original.split(separator: "\n").map { line in
            line.hasPrefix("epoch") ? line + ",kl_from_start" : line + ",0.25"
        }.joined(separator: "\n")
        let c = CSVComparison.compare(file: "importance.csv", original: original, reproduced: newer, throughEpoch: nil)
        XCTAssertTrue(c.identical, c.line)
        XCTAssertEqual(c.onlyInReproduction, ["kl_from_start"])
        XCTAssertTrue(c.line.contains("only in the reproduction, not compared: kl_from_start"), c.line)
    }

    /// A column only the original has cannot be confirmed: a renamed column is not "identical".
    func testAColumnTheReproductionDoesNotWriteIsADifference() {
        let header = String(original.prefix { $0 != "\n" })
        let column = String(header.split(separator: ",")[1])
        let renamed = original.replacingOccurrences(of: header, with: header.replacingOccurrences(of: column, with: column + "_old"))
        let c = CSVComparison.compare(file: "metrics.csv", original: renamed, reproduced: original, throughEpoch: nil)
        XCTAssertFalse(c.identical, c.line)
        XCTAssertTrue(c.line.contains("DIFFERENT: the original's column \(column)_old is not written by the reproduction, so it cannot be confirmed"), c.line)
    }

    func testAFileWithoutEpochsIsLeftOutOfAPartialReproduction() {
        let noEpoch = "tensor,kept\nfc1.weight,10\n"
        let c = CSVComparison.compare(file: "other.csv", original: noEpoch, reproduced: noEpoch, throughEpoch: 1)
        XCTAssertFalse(c.compared)
        XCTAssertTrue(c.identical, "a left-out file is not a difference")
        XCTAssertEqual(CSVComparison.compare(file: "other.csv", original: noEpoch, reproduced: "tensor,kept\nfc1.weight,11\n", throughEpoch: nil).differences, 1)
    }

    func testOriginsAreReadFromEveryInvocationLatestFirst() {
        let command = """
            command: /x/masklab train --config c.json --init-from 'my weights.safetensors' --resume
            data: /d
            commit: bbbbbbbbbbbb
            machine: Linux 6.18 x86_64, AMD EPYC, 2 cores
            blas: OpenBLAS 0.3.21 Cooperlake
            date: 2026-11-30T07:00:00Z

            --- earlier invocation of this folder ---
            command: /x/masklab train --config c.json
            commit: aaaaaaaaaaaa (with uncommitted changes)
            machine: Linux 6.18 x86_64, Intel(R) Xeon(R) Processor, 2 cores
            blas: OpenBLAS 0.3.21 SkylakeX
            """
        let blocks = RunOrigin.invocations(command)
        XCTAssertEqual(blocks.map(RunOrigin.init(invocation:)), [
            .init(commit: "bbbbbbbbbbbb", machine: "Linux 6.18 x86_64, AMD EPYC, 2 cores", cpu: "AMD EPYC", blas: "OpenBLAS 0.3.21 Cooperlake"),
            .init(commit: "aaaaaaaaaaaa (with uncommitted changes)", machine: "Linux 6.18 x86_64, Intel(R) Xeon(R) Processor, 2 cores",
                  cpu: "Intel(R) Xeon(R) Processor", blas: "OpenBLAS 0.3.21 SkylakeX"),
        ])
        XCTAssertEqual(RunReproduction.initFromArgument(blocks[0]), "my weights.safetensors")
        XCTAssertNil(RunReproduction.initFromArgument(blocks[1]))
    }
}

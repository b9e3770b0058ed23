import XCTest
import Foundation
import Experiments
import TestSupport

/// The event-file encoding against bytes written by TensorBoard's own Python writer
/// (tensorboard 2.21: `event_pb2.Event(...).SerializeToString()` framed by
/// `tensorboard.summary.writer.record_writer.RecordWriter`), the CRC against its reference
/// vector, the reader's corruption checks and the resume rule.
final class TensorBoardEventTests: XCTestCase {
    private func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex {
            let j = s.index(i, offsetBy: 2)
            out.append(UInt8(s[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    func testCRC32CReferenceVector() {
        XCTAssertEqual(CRC32C.checksum(Array("123456789".utf8)), 0xE306_9283)
        XCTAssertEqual(CRC32C.checksum([UInt8]()), 0)
        // 32 zero bytes: RFC 3720 B.4 gives the CRC bytes aa 36 91 8a, i.e. 0x8A9136AA.
        XCTAssertEqual(CRC32C.checksum([UInt8](repeating: 0, count: 32)), 0x8A91_36AA)
    }

    func testScalarRecordMatchesTensorBoardsWriter() {
        let event = TensorBoardEvent(wallTime: 1.5, step: 7, content: .scalar(tag: "loss/train", value: 0.25))
        XCTAssertEqual(TFRecord.frame(event.serialized()),
                       hex("200000000000000029eda95009000000000000f83f10072a130a110a0a6c6f73732f747261696e150000803edd93c4ad"))
    }

    func testHistogramRecordMatchesTensorBoardsWriter() {
        let h = TensorBoardEvent.Histogram(min: -1, max: 0.5, count: 4, sum: -0.5, sumOfSquares: 1.5, limits: [-1, 0, 1], counts: [1, 2, 1])
        let event = TensorBoardEvent(wallTime: 2, step: 3, content: .histogram(tag: "importance/fc1.weight", h))
        XCTAssertEqual(TFRecord.frame(event.serialized()), hex(
            "89000000000000003451aa5c09000000000000004010032a7c0a7a0a15696d706f7274616e63652f6663312e7765696768742a61"
            + "09000000000000f0bf11000000000000e03f19000000000000104021000000000000e0bf29000000000000f83f3218000000000000f0bf"
            + "0000000000000000000000000000f03f3a18000000000000f03f0000000000000040000000000000f03f49237e90"))
    }

    func testSessionStartMatchesTensorBoardsHParamsSummary() {
        let event = TensorBoardEvent(wallTime: 10, step: 1, content: .sessionStart(
            hparams: [.init("nesterov", .bool(true)), .init("lr", .number(0.1)), .init("model", .string("mlp"))], startTime: 10))
        XCTAssertEqual(event.serialized(), hex(
            "09000000000000244010012a730a710a1c5f68706172616d735f2f73657373696f6e5f73746172745f696e666f42060801120212004a490a47"
            + "0a0768706172616d73123c1a3a0a0e0a086e65737465726f76120220010a0f0a026c721209119a9999999999b93f0a0e0a056d6f64656c12051a036d6c70290000000000002440"))
    }

    func testEveryKindParsesBack() throws {
        let h = TensorBoardEvent.Histogram(min: -7, max: 2, count: 10, sum: 3, sumOfSquares: 40, limits: [-6, 0, .greatestFiniteMagnitude], counts: [1, 8, 1])
        let events: [TensorBoardEvent] = [
            .init(wallTime: 1, step: 0, content: .fileVersion("brain.Event:2")),
            .init(wallTime: 2, step: 12, content: .scalar(tag: "accuracy/test", value: 0.875)),
            .init(wallTime: 3, step: 12, content: .histogram(tag: "importance/conv1.weight", h)),
            .init(wallTime: 4, step: 0, content: .sessionStart(hparams: [.init("a", .number(-2)), .init("b", .string("x")), .init("c", .bool(false))], startTime: 4)),
            .init(wallTime: 5, step: 24, content: .sessionEnd(status: .success, endTime: 5)),
        ]
        for e in events { XCTAssertEqual(try TensorBoardEvent(parsing: e.serialized()), e) }
    }

    private func writeFile(_ events: [TensorBoardEvent], in dir: URL) throws -> URL {
        let file = try EventFile.create(in: dir, wallTime: 1000)
        for e in events { try file.append(e) }
        return file.url
    }

    func testCorruptAndTruncatedFilesAreRefusedWithTheOffset() throws {
        let dir = TemporaryDirectory("masklab-tb-corrupt")
        let url = try writeFile([.init(wallTime: 1, step: 1, content: .scalar(tag: "gap", value: 0.5)),
                                 .init(wallTime: 2, step: 2, content: .scalar(tag: "gap", value: 0.25))], in: dir.url)
        var bytes = try DatasetFixtures.read(url)
        XCTAssertEqual(try EventFile.events(at: url).count, 3)
        let records = try TFRecord.records(bytes, path: url.path)
        XCTAssertEqual(records.count, 3)
        // Flip one bit in the last record's data: its data CRC fails, at that record's offset.
        bytes[records[2].offset + 14] ^= 1
        try DatasetFixtures.write(bytes, to: url)
        XCTAssertThrowsError(try EventFile.events(at: url)) { error in
            guard case let .checksum(_, offset, part, _, _) = error as? EventFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(offset, records[2].offset)
            XCTAssertEqual(part, "data")
        }
        // Cut the file inside the last record.
        bytes[records[2].offset + 14] ^= 1
        try DatasetFixtures.write(Array(bytes.dropLast(3)), to: url)
        XCTAssertThrowsError(try EventFile.events(at: url)) { error in
            guard case let .truncated(_, offset, _, _) = error as? EventFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(offset, records[2].offset)
        }
        // A damaged length field fails the length CRC.
        bytes[records[1].offset] ^= 0x40
        XCTAssertThrowsError(try TFRecord.records(bytes, path: "x")) { error in
            guard case .checksum(_, _, "length", _, _) = error as? EventFileError else { return XCTFail("\(error)") }
        }
    }

    /// Resume at a checkpoint after P iterations keeps the epoch-end scalars and parameter
    /// histograms at P, drops the refresh at P (it begins the next step and is redone), later
    /// steps and the session end.
    func testResumeKeepsOnlyWhatPrecedesTheCheckpoint() throws {
        let dir = TemporaryDirectory("masklab-tb-resume")
        let h = TensorBoardEvent.Histogram(min: 0, max: 0, count: 1, sum: 0, sumOfSquares: 0, limits: [1], counts: [1])
        let url = try writeFile([
            .init(wallTime: 1, step: 0, content: .sessionStart(hparams: [.init("seed", .number(1))], startTime: 1)),
            .init(wallTime: 1, step: 0, content: .histogram(tag: "importance/w", h)),
            .init(wallTime: 2, step: 10, content: .scalar(tag: "loss/test", value: 1)),
            .init(wallTime: 3, step: 10, content: .histogram(tag: "importance/w", h)),
            .init(wallTime: 3.5, step: 10, content: .histogram(tag: "parameters/w", h)),
            .init(wallTime: 4, step: 20, content: .scalar(tag: "loss/test", value: 2)),
            .init(wallTime: 5, step: 20, content: .sessionEnd(status: .unknown, endTime: 5)),
        ], in: dir.url)
        // A torn write at the end, as a kill mid-write leaves it.
        var bytes = try DatasetFixtures.read(url)
        bytes += [0x20, 0, 0, 0]
        try DatasetFixtures.write(bytes, to: url)

        let resumed = try EventFile.resume(in: dir.url, at: 10, wallTime: 6)
        XCTAssertEqual(resumed.url, url)
        XCTAssertFalse(resumed.isNew)
        try resumed.append(.init(wallTime: 7, step: 20, content: .scalar(tag: "loss/test", value: 3)))
        let events = try EventFile.events(at: url)
        XCTAssertEqual(events.map(\.wallTime), [1000, 1, 1, 2, 3.5, 7],
                       "file version, session start, refresh at 0, scalar and parameter histogram at 10, the new 20")
        XCTAssertEqual(events.last?.content, .scalar(tag: "loss/test", value: 3))
        XCTAssertEqual(EventFile.files(in: dir.url), [url])
    }

    func testFreshRunReplacesOldEventFiles() throws {
        let dir = TemporaryDirectory("masklab-tb-fresh")
        let old = try writeFile([.init(wallTime: 1, step: 5, content: .scalar(tag: "gap", value: 1))], in: dir.url)
        let fresh = try EventFile.create(in: dir.url, wallTime: 2000)
        XCTAssertNotEqual(old, fresh.url)
        XCTAssertEqual(EventFile.files(in: dir.url), [fresh.url])
        XCTAssertTrue(fresh.url.lastPathComponent.hasPrefix("events.out.tfevents.2000."))
    }
}

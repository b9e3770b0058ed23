/// One record of a TensorBoard event file: an `Event` message holding the file version or a
/// `Summary` with one value (a scalar, a histogram or an HParams session record).
///
/// Field numbers (checked against TensorBoard 2.21's descriptors; see `ProtobufWriter`):
///
///     Event           wall_time=1 double, step=2 int64, file_version=3 string, summary=5
///     Summary         value=1 (repeated Summary.Value)
///     Summary.Value   tag=1, simple_value=2 float, histo=5, tensor=8, metadata=9
///     HistogramProto  min=1 max=2 num=3 sum=4 sum_squares=5 (double),
///                     bucket_limit=6 bucket=7 (packed double)
///     SummaryMetadata plugin_data=1 { plugin_name=1, content=2 bytes }
///     HParamsPluginData version=1, session_start_info=3, session_end_info=4
///     SessionStartInfo  hparams=1 (map<string, google.protobuf.Value>), start_time_secs=5
///     SessionEndInfo    status=1 (enum Status), end_time_secs=2
///     google.protobuf.Value  number_value=2 double, string_value=3, bool_value=4
public struct TensorBoardEvent: Equatable, Sendable {
    /// Seconds since 1970 when the event was written.
    public var wallTime: Double
    /// The x-axis position: iterations (optimiser steps) completed when the value was measured.
    public var step: Int
    public var content: Content

    public init(wallTime: Double, step: Int, content: Content) {
        self.wallTime = wallTime
        self.step = step
        self.content = content
    }

    public enum Content: Equatable, Sendable {
        /// The first record of every file ("brain.Event:2").
        case fileVersion(String)
        case scalar(tag: String, value: Float)
        case histogram(tag: String, Histogram)
        /// The run's hyper-parameters: one row of TensorBoard's HParams table.
        case sessionStart(hparams: [HParam], startTime: Double)
        case sessionEnd(status: SessionStatus, endTime: Double)
    }

    /// One hyper-parameter: a name and a string, number or boolean.
    public struct HParam: Equatable, Sendable {
        public var name: String
        public var value: HParamValue
        public init(_ name: String, _ value: HParamValue) {
            self.name = name
            self.value = value
        }
    }

    public enum HParamValue: Equatable, Sendable {
        case string(String), number(Double), bool(Bool)
    }

    /// `tensorboard.hparams.Status`.
    public enum SessionStatus: Int, Sendable {
        case unknown = 0, success = 1, failure = 2, running = 3
    }

    /// A histogram as TensorBoard draws it: bucket i holds `counts[i]` values in
    /// (`limits[i-1]`, `limits[i]`] (the first from `min`); `limits` increase.
    public struct Histogram: Equatable, Sendable {
        public var min: Double, max: Double
        public var count: Double, sum: Double, sumOfSquares: Double
        public var limits: [Double]
        public var counts: [Double]

        public init(min: Double, max: Double, count: Double, sum: Double, sumOfSquares: Double, limits: [Double], counts: [Double]) {
            precondition(limits.count == counts.count, "histogram has \(limits.count) bucket limits but \(counts.count) counts")
            self.min = min
            self.max = max
            self.count = count
            self.sum = sum
            self.sumOfSquares = sumOfSquares
            self.limits = limits
            self.counts = counts
        }
    }

    /// The summary tags of the HParams plugin (`tensorboard/plugins/hparams/metadata.py`).
    public static let sessionStartTag = "_hparams_/session_start_info", sessionEndTag = "_hparams_/session_end_info"
    static let fileVersion = "brain.Event:2"
    /// The minimal tensor TensorBoard's own HParams summaries carry (`metadata.NULL_TENSOR`:
    /// an empty DT_FLOAT vector); its data provider only lists values that have a tensor.
    static let nullTensor: [UInt8] = [0x08, 0x01, 0x12, 0x02, 0x12, 0x00]

    /// The `Event` message.
    public func serialized() -> [UInt8] {
        var e = ProtobufWriter()
        e.double(1, wallTime)
        e.int(2, step)
        switch content {
        case let .fileVersion(version):
            e.string(3, version)
        case let .scalar(tag, value):
            e.message(5) { s in s.message(1) { v in
                v.string(1, tag)
                v.float(2, value)
            } }
        case let .histogram(tag, h):
            e.message(5) { s in s.message(1) { v in
                v.string(1, tag)
                v.message(5) { p in
                    p.double(1, h.min)
                    p.double(2, h.max)
                    p.double(3, h.count)
                    p.double(4, h.sum)
                    p.double(5, h.sumOfSquares)
                    p.packedDoubles(6, h.limits)
                    p.packedDoubles(7, h.counts)
                }
            } }
        case let .sessionStart(hparams, startTime):
            Self.hparamsSummary(&e, tag: Self.sessionStartTag) { d in
                d.message(3) { info in
                    for h in hparams {
                        info.message(1) { entry in
                            entry.string(1, h.name)
                            entry.message(2) { value in
                                switch h.value {
                                case let .number(x): value.double(2, x)
                                case let .string(x): value.string(3, x)
                                case let .bool(x): value.bool(4, x)
                                }
                            }
                        }
                    }
                    info.double(5, startTime)
                }
            }
        case let .sessionEnd(status, endTime):
            Self.hparamsSummary(&e, tag: Self.sessionEndTag) { d in
                d.message(4) { info in
                    info.int(1, status.rawValue)
                    info.double(2, endTime)
                }
            }
        }
        return e.bytes
    }

    /// The event's `Summary` with one value `tag` of the HParams plugin: the null tensor and
    /// `SummaryMetadata` whose plugin content is the `HParamsPluginData` built by `data`
    /// (version 0, the default, is left out as proto3 does).
    private static func hparamsSummary(_ e: inout ProtobufWriter, tag: String, _ data: (inout ProtobufWriter) -> Void) {
        e.message(5) { s in s.message(1) { v in
            v.string(1, tag)
            v.bytes(8, nullTensor)
            v.message(9) { m in m.message(1) { plugin in
                plugin.string(1, "hparams")
                var content = ProtobufWriter()
                data(&content)
                plugin.bytes(2, content.bytes)
            } }
        } }
    }
}

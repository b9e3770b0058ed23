extension TensorBoardEvent {
    /// Parses an `Event` written by `serialized()` (the inverse, for MaskLab's own files: one
    /// summary value per event; other events, e.g. graphs, are refused as malformed).
    public init(parsing bytes: [UInt8]) throws(ProtobufReader.Malformed) {
        typealias Malformed = ProtobufReader.Malformed
        var wallTime = 0.0, step = 0
        var content: Content?
        for (field, value) in try ProtobufReader.fields(bytes) {
            switch field {
            case 1: wallTime = value.double ?? wallTime
            case 2: step = value.int ?? step
            case 3: content = .fileVersion(value.string ?? "")
            case 5: content = try Self.parseSummary(value.bytes ?? [])
            default: continue
            }
        }
        guard let content else { throw Malformed(offset: 0, reason: "an Event without a file version or summary") }
        self.init(wallTime: wallTime, step: step, content: content)
    }

    private static func parseSummary(_ bytes: [UInt8]) throws(ProtobufReader.Malformed) -> Content {
        let values = try ProtobufReader.fields(bytes).filter { $0.field == 1 }
        guard values.count == 1, let value = values[0].value.bytes else {
            throw ProtobufReader.Malformed(offset: 0, reason: "a Summary with \(values.count) values (MaskLab writes one)")
        }
        var tag = ""
        var scalar: Float?, histogram: Histogram?, plugin: [UInt8]?
        for (field, v) in try ProtobufReader.fields(value) {
            switch field {
            case 1: tag = v.string ?? ""
            case 2: scalar = v.float
            case 5: histogram = try parseHistogram(v.bytes ?? [])
            case 9: plugin = v.bytes
            default: continue
            }
        }
        if let scalar { return .scalar(tag: tag, value: scalar) }
        if let histogram { return .histogram(tag: tag, histogram) }
        if let plugin { return try parseHParams(plugin, tag: tag) }
        throw ProtobufReader.Malformed(offset: 0, reason: "summary value '\(tag)' holds neither a scalar, a histogram nor HParams")
    }

    private static func parseHistogram(_ bytes: [UInt8]) throws(ProtobufReader.Malformed) -> Histogram {
        var scalars = [Double](repeating: 0, count: 6)
        var limits: [Double] = [], counts: [Double] = []
        for (field, v) in try ProtobufReader.fields(bytes) {
            switch field {
            case 1...5: scalars[field] = v.double ?? 0
            case 6: limits = doubles(v.bytes ?? [])
            case 7: counts = doubles(v.bytes ?? [])
            default: continue
            }
        }
        guard limits.count == counts.count else {
            throw ProtobufReader.Malformed(offset: 0, reason: "histogram with \(limits.count) bucket limits and \(counts.count) counts")
        }
        return Histogram(min: scalars[1], max: scalars[2], count: scalars[3], sum: scalars[4], sumOfSquares: scalars[5], limits: limits, counts: counts)
    }

    private static func parseHParams(_ metadata: [UInt8], tag: String) throws(ProtobufReader.Malformed) -> Content {
        typealias Malformed = ProtobufReader.Malformed
        guard let pluginData = try ProtobufReader.fields(metadata).first(where: { $0.field == 1 })?.value.bytes else {
            throw Malformed(offset: 0, reason: "summary value '\(tag)' has metadata without plugin data")
        }
        let plugin = try ProtobufReader.fields(pluginData)
        guard plugin.first(where: { $0.field == 1 })?.value.string == "hparams",
              let content = plugin.first(where: { $0.field == 2 })?.value.bytes else {
            throw Malformed(offset: 0, reason: "summary value '\(tag)' belongs to a plugin other than hparams")
        }
        for (field, v) in try ProtobufReader.fields(content) {
            if field == 3, let start = v.bytes {
                var hparams: [HParam] = [], time = 0.0
                for (f, entry) in try ProtobufReader.fields(start) {
                    if f == 5 { time = entry.double ?? 0 }
                    guard f == 1, let entry = entry.bytes else { continue }
                    let kv = try ProtobufReader.fields(entry)
                    let name = kv.first { $0.field == 1 }?.value.string ?? ""
                    let kinds = try ProtobufReader.fields(kv.first { $0.field == 2 }?.value.bytes ?? [])
                    guard let kind = kinds.first else { throw Malformed(offset: 0, reason: "hparam '\(name)' without a value") }
                    switch kind.field {
                    case 2: hparams.append(HParam(name, .number(kind.value.double ?? .nan)))
                    case 3: hparams.append(HParam(name, .string(kind.value.string ?? "")))
                    case 4: hparams.append(HParam(name, .bool(kind.value.int == 1)))
                    default: throw Malformed(offset: 0, reason: "hparam '\(name)' of kind \(kind.field) (MaskLab writes numbers, strings, booleans)")
                    }
                }
                return .sessionStart(hparams: hparams, startTime: time)
            }
            if field == 4, let end = v.bytes {
                let f = try ProtobufReader.fields(end)
                let status = SessionStatus(rawValue: f.first { $0.field == 1 }?.value.int ?? 0) ?? .unknown
                return .sessionEnd(status: status, endTime: f.first { $0.field == 2 }?.value.double ?? 0)
            }
        }
        throw Malformed(offset: 0, reason: "HParams data in '\(tag)' without a session start or end")
    }

    private static func doubles(_ bytes: [UInt8]) -> [Double] {
        stride(from: 0, to: bytes.count - bytes.count % 8, by: 8).map { i in
            Double(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[i + $1]) << (8 * UInt64($1)) })
        }
    }
}

/// Errors from choosing or configuring a learning-rate schedule.
public enum ScheduleError: Error, Equatable, CustomStringConvertible {
    /// No schedule is registered under `name`.
    case unknown(name: String, valid: [String])
    /// A parameter outside its domain (step of 0 epochs, pct_start outside (0, 1), …).
    case invalidParameter(schedule: String, message: String)

    public var description: String {
        switch self {
        case let .unknown(name, valid):
            return "unknown schedule '\(name)'; valid schedules: \(valid.joined(separator: ", "))"
        case let .invalidParameter(schedule, message):
            return "schedule '\(schedule)': \(message)"
        }
    }
}

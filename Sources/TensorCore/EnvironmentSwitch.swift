#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The on/off switches MaskLab reads from the environment once per process
/// (`MASKLAB_FUSED_WINOGRAD`, `MASKLAB_DIRECT_STRIDED`, `MASKLAB_F4_VECTOR_TRANSFORMS`,
/// `MASKLAB_PIN_WORKERS`): each is on unless its variable is set to `0`.
enum EnvironmentSwitch {
    /// Whether `variable` leaves its switch on: unset, or set to anything but `"0"`.
    static func isOn(_ variable: String) -> Bool {
        guard let raw = getenv(variable) else { return true }
        return String(cString: raw) != "0"
    }
}

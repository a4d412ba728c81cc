#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads an environment variable without Foundation.
public func getEnvironment(_ name: String) -> String? {
    guard let p = getenv(name) else { return nil }
    return String(cString: p)
}

/// Stops the program with `message` when `condition` is false, in every build mode.
///
/// The engine's argument checks (shapes, axes, ranges) use this rather than `precondition`,
/// whose message is dropped in optimized builds: a user who passes a wrong shape must
/// always learn which op and which shapes were at fault.
@inlinable @inline(__always)
public func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                    file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError(message(), file: file, line: line) }
}

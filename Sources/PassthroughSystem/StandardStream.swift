import Glibc

/// This process's standard output and error, written best effort (a hook's
/// message must not fail the hook a second time).
public enum StandardStream: Int32 {
    case output = 1
    case error = 2

    public func write(_ text: String) {
        _ = FileDescriptor.writeAll(Array(text.utf8), to: rawValue)
    }
}

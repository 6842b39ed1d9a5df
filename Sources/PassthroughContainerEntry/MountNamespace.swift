import CNamespaceShims
import Glibc
import PassthroughSystem

/// Entering another process's mount namespace, and acting in it as another user.
public enum MountNamespace {
    /// Runs `body` in the mount namespace of the process `pidfd` refers to
    /// (`setns(2)`), then returns to this process's own namespace and working
    /// directory. Paths in `body` resolve in that namespace, from its root.
    /// The process must be single-threaded (the kernel refuses otherwise).
    public static func entering<T: ~Copyable, E: Error>(
        _ pidfd: borrowing FileDescriptor, describedAs name: String, _ body: () throws(E) -> T
    ) throws(EnterFailure<E>) -> T {
        let home = try translatingErrors({ () throws(SystemError) in
            try FileDescriptor.open("/proc/self/ns/mnt", flags: O_RDONLY)
        }, EnterFailure<E>.entering)
        let workingDirectory = try translatingErrors({ () throws(SystemError) in
            try FileDescriptor.open(".", flags: O_PATH | O_DIRECTORY)
        }, EnterFailure<E>.entering)
        if pidfd.withUnsafeNumber({ shim_setns($0, shim_CLONE_NEWNS) }) != 0 {
            throw .entering(SystemError(call: "setns", path: "the mount namespace of \(name)", errno: errno))
        }
        defer {
            // Failing to come back would leave every later path resolving in the container.
            guard home.withUnsafeNumber({ shim_setns($0, shim_CLONE_NEWNS) }) == 0 else {
                fatalError("cannot return to this process's own mount namespace: \(SystemError.text(for: errno))")
            }
            do {
                try workingDirectory.changeWorkingDirectory()
            } catch {
                fatalError("cannot return to this process's working directory: \(error)")
            }
        }
        do {
            return try body()
        } catch {
            throw .body(error)
        }
    }

    /// Why `entering` failed: entering the namespace, or the body.
    public enum EnterFailure<Body: Error>: Error {
        case entering(SystemError)
        case body(Body)
    }
}

/// The value of `body`, or its error turned into another by `translate`.
/// A `do`/`catch` cannot initialise a non-copyable value declared outside it,
/// so descriptors opened in a block that rewraps its errors come out through this.
@inlinable
public func translatingErrors<T: ~Copyable, E: Error, F: Error>(
    _ body: () throws(E) -> T, _ translate: (E) -> F
) throws(F) -> T {
    do {
        return try body()
    } catch {
        throw translate(error)
    }
}

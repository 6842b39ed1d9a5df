// A dictionary or a set keeps the storage it grew to after entries are
// removed: one that held a thousand containers would hold on to it for good.
// The watcher compacts its maps after it forgets containers.

extension Dictionary {
    /// A copy with no more room than its entries need.
    public func compacted() -> [Key: Value] {
        var copy = [Key: Value](minimumCapacity: count)
        for (key, value) in self { copy[key] = value }
        return copy
    }
}

extension Set {
    /// A copy with no more room than its members need.
    public func compacted() -> Set<Element> {
        var copy = Set(minimumCapacity: count)
        for member in self { copy.insert(member) }
        return copy
    }
}

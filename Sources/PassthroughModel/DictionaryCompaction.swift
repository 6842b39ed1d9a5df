extension Dictionary {
    /// A copy with no more room than its entries need. A dictionary keeps the
    /// storage it grew to after entries are removed: one that held a
    /// thousand containers would hold on to it for good.
    public func compacted() -> [Key: Value] {
        var copy = [Key: Value](minimumCapacity: count)
        for (key, value) in self { copy[key] = value }
        return copy
    }
}

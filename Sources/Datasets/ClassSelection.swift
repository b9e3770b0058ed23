/// A subset of a dataset's classes, as a smaller task: only the samples whose label is in
/// `classes` are kept, and label `classes[k]` becomes `k`. E.g. CIFAR-10's vehicles `0,1,8,9`
/// (airplane, automobile, ship, truck) become a 4-class task with labels 0…3; the order given
/// decides the new labels, so two selections of the same classes in different orders are two
/// labellings. Samples keep their original order; the selection is applied to the training and
/// test splits alike, before any validation hold-out or subset.
public struct ClassSelection: Sendable, Equatable {
    /// Original labels kept, in the order of their new labels.
    public let classes: [Int]
    /// The dataset's number of classes before selection.
    public let available: Int

    /// A selection of `classes` among `definition.classes`: each in range, none twice, at least two.
    public init(_ classes: [Int], of definition: any DatasetDefinition.Type) throws(DatasetError) {
        try self.init(classes, available: definition.classes, name: definition.name)
    }

    /// A selection of `classes` among `available` classes of dataset `name` (named in errors).
    public init(_ classes: [Int], available: Int, name: String) throws(DatasetError) {
        func refuse(_ problem: String) -> DatasetError {
            .invalidClasses(name: name, classes: classes, available: available, problem: problem)
        }
        if let bad = classes.first(where: { $0 < 0 || $0 >= available }) { throw refuse("label \(bad) is outside 0…\(available - 1)") }
        if Set(classes).count != classes.count { throw refuse("a label is named twice") }
        if classes.count < 2 { throw refuse("fewer than two classes leave nothing to classify") }
        self.classes = classes
        self.available = available
    }

    /// `dataset` reduced to the selected classes and relabelled (`dataset.classes` must equal `available`).
    public func apply(to dataset: Dataset) -> Dataset {
        precondition(dataset.classes == available, "\(dataset.name) has \(dataset.classes) classes, the selection was made for \(available)")
        var newLabel = [Int32](repeating: -1, count: available)
        for (k, c) in classes.enumerated() { newLabel[c] = Int32(k) }
        let kept = dataset.labels.indices.filter { newLabel[Int(dataset.labels[$0])] >= 0 }
        let picked = dataset.subset(kept, name: dataset.name)
        return Dataset(name: dataset.name, sampleShape: dataset.sampleShape, classes: classes.count, pixels: picked.pixels,
                       labels: picked.labels.map { newLabel[Int($0)] }, mean: dataset.mean, std: dataset.std)
    }
}

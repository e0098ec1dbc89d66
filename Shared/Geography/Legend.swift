/// The classes a map's figure falls into, each with its label, from the best (class 0) to the
/// worst: the colour of a region is its class, and the legend lists the classes in this order.
public struct Legend: Sendable, Equatable {
    public struct Class: Sendable, Equatable {
        public let label: String
        /// The values of this class: `lower ..< upper` (or `lower ... upper` for the last).
        public let lower: Double
        public let upper: Double
    }

    public enum Direction: Sendable { case higherIsBetter, lowerIsBetter }

    public let classes: [Class]
    public let direction: Direction

    /// A rate against its target: reached, then short by up to 5, 5–10 and more than 10 points.
    public static func rate(target: Double) -> Legend {
        let t = Swift.min(Swift.max(target, 0), 1)
        // In basis points, so that 80 % − 10 points is 70 % exactly (a county at 70.00 % is short by 10, not more).
        let basisPoints = (t * 10_000).rounded()
        let bounds = [basisPoints, basisPoints - 500, basisPoints - 1_000].map { Swift.max($0, 0) / 10_000 }
        return Legend(
            classes: [
                Class(label: "达到目标", lower: bounds[0], upper: 1),
                Class(label: "差 5 个百分点以内", lower: bounds[1], upper: bounds[0]),
                Class(label: "差 5–10 个百分点", lower: bounds[2], upper: bounds[1]),
                Class(label: "差 10 个百分点以上", lower: 0, upper: bounds[2]),
            ], direction: .higherIsBetter)
    }

    /// A share without a target (the resolution rate): 90 % and more, 80–90 %, 60–80 %, under 60 %.
    public static let shares = Legend(
        classes: [
            Class(label: "90% 以上", lower: 0.9, upper: 1), Class(label: "80%–90%", lower: 0.8, upper: 0.9),
            Class(label: "60%–80%", lower: 0.6, upper: 0.8), Class(label: "60% 以下", lower: 0, upper: 0.6),
        ], direction: .higherIsBetter)

    /// A count where none is best (overdue problems, breaching subjects): 0, then up to three classes
    /// of equal width up to the largest value, their bounds whole numbers.
    public static func counts(upTo largest: Int) -> Legend {
        guard largest > 0 else { return Legend(classes: [Class(label: "0", lower: 0, upper: 0)], direction: .lowerIsBetter) }
        let step = Swift.max(1, (largest + 2) / 3)
        var classes = [Class(label: "0", lower: 0, upper: 0.5)]
        var low = 1
        while low <= largest {
            let high = Swift.min(low + step - 1, largest)
            classes.append(Class(label: low == high ? "\(low)" : "\(low)–\(high)", lower: Double(low), upper: Double(high) + 0.5))
            low = high + 1
        }
        return Legend(classes: classes, direction: .lowerIsBetter)
    }

    /// The class a value falls into (out-of-range values go to the nearest end).
    public func classify(_ value: Double) -> Int {
        switch direction {
        case .higherIsBetter:
            return classes.firstIndex { value >= $0.lower } ?? classes.count - 1
        case .lowerIsBetter:
            return classes.firstIndex { value < $0.upper } ?? classes.count - 1
        }
    }
}

/// The counties of the city of the examples — Changzhi (长治市, 140400), DESIGN.md section 4 —
/// by their 6-digit division code, for labels (a county not listed is shown by its code).
public enum Counties {
    public static let changzhi: [(code: String, name: String)] = [
        ("140403", "潞州区"), ("140404", "上党区"), ("140405", "屯留区"), ("140406", "潞城区"), ("140423", "襄垣县"), ("140425", "平顺县"),
        ("140426", "黎城县"), ("140427", "壶关县"), ("140428", "长子县"), ("140429", "武乡县"), ("140430", "沁县"), ("140431", "沁源县"),
    ]

    static let names = Dictionary(uniqueKeysWithValues: changzhi.map { ($0.code, $0.name) })

    /// 潞州区 for 140403; the code itself for a county of another city.
    public static func name(_ code: String) -> String { names[code] ?? code }
}

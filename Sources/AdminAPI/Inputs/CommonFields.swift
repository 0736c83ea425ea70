import Billing

/// Fields several actions declare the same way (one wording, one limit).
enum CommonFields {
    static let id = Field<String>.id("id", "The object's id").required()
    static let resourceType = Field<ResourceType>.enumeration("resource_type", ResourceType.self, "What is counted")
    static let period = Field<PeriodType>.enumeration("period", PeriodType.self, "The quota window")
}

import Foundation
import Storage
import Support

/// Strict accessors for the two encodings Billing stores as text: instants (`StoredTime`) and JSON documents.
///
/// Like `Row.decode(_:_:)` they throw `RowDecodingError` naming the column and what it held, never the value:
/// a corrupt row is a server fault to report, not something to paper over with 1970 or an empty object.
extension Row {
    /// The instant stored in `column` as `StoredTime` text; throws `RowDecodingError` when the column is missing,
    /// NULL, not text, or text that is not a stored time.
    ///
    /// ```swift
    /// let created = try row.decodeTime("created_at")
    /// ```
    public func decodeTime(_ column: String) throws -> Date {
        guard let date = try decodeTimeIfPresent(column) else {
            throw RowDecodingError(column: column, expected: Self.storedTimeType, problem: .unexpectedNull)
        }
        return date
    }

    /// The instant stored in `column`, nil when it is NULL; throws like `decodeTime(_:)` otherwise.
    public func decodeTimeIfPresent(_ column: String) throws -> Date? {
        guard let text = try storedText(column, expected: Self.storedTimeType) else { return nil }
        guard let date = StoredTime.parse(text) else {
            throw RowDecodingError(column: column, expected: Self.storedTimeType, problem: .typeMismatch(found: "text that is not a stored time"))
        }
        return date
    }

    /// The JSON document stored as text in `column`; throws `RowDecodingError` when the column is missing, NULL,
    /// not text, or text that does not parse as JSON.
    public func decodeJSON(_ column: String) throws -> JSON {
        guard let json = try decodeJSONIfPresent(column) else {
            throw RowDecodingError(column: column, expected: "JSON text", problem: .unexpectedNull)
        }
        return json
    }

    /// The JSON document stored in `column`, nil when it is NULL; throws like `decodeJSON(_:)` otherwise.
    public func decodeJSONIfPresent(_ column: String) throws -> JSON? {
        guard let text = try storedText(column, expected: "JSON text") else { return nil }
        guard let json = try? JSON.parse(text) else {
            throw RowDecodingError(column: column, expected: "JSON text", problem: .typeMismatch(found: "text that is not JSON"))
        }
        return json
    }

    /// The JSON object stored in `column`, nil when it is NULL; throws like `decodeJSON(_:)`, and when the
    /// document is not an object.
    public func decodeJSONObjectIfPresent(_ column: String) throws -> JSONObject? {
        guard let json = try decodeJSONIfPresent(column) else { return nil }
        guard let object = json.objectValue else {
            throw RowDecodingError(column: column, expected: "JSON object", problem: .typeMismatch(found: "a JSON document that is \(json.typeName)"))
        }
        return object
    }

    /// The JSON object stored in `column` (NOT NULL in the schema); throws like `decodeJSONObjectIfPresent(_:)`, and when NULL.
    public func decodeJSONObject(_ column: String) throws -> JSONObject {
        guard let object = try decodeJSONObjectIfPresent(column) else {
            throw RowDecodingError(column: column, expected: "JSON object", problem: .unexpectedNull)
        }
        return object
    }

    /// The JSON array stored in `column` (NOT NULL in the schema); throws like `decodeJSON(_:)`, and when the
    /// document is not an array.
    public func decodeJSONArray(_ column: String) throws -> [JSON] {
        let json = try decodeJSON(column)
        guard let array = json.arrayValue else {
            throw RowDecodingError(column: column, expected: "JSON array", problem: .typeMismatch(found: "a JSON document that is \(json.typeName)"))
        }
        return array
    }

    /// `expected` of the errors about stored instants.
    static let storedTimeType = "stored time (RFC 3339 text)"

    /// The text of `column`, nil when NULL; a missing column or another storage class throws naming `expected`
    /// (what the text encodes) rather than `String`.
    private func storedText(_ column: String, expected: String) throws -> String? {
        do {
            return try decodeIfPresent(String.self, column)
        } catch let e as RowDecodingError {
            throw RowDecodingError(column: e.column, expected: expected, problem: e.problem)
        }
    }
}

extension RowDecodingError {
    /// A JSON column whose document parses but whose content is not what the decoder needs (an invoice line
    /// without `amount_cents`, an event type that is not a string): names the column and the part, never a value.
    static func jsonContent(_ column: String, expected: String, found: String) -> RowDecodingError {
        RowDecodingError(column: column, expected: expected, problem: .typeMismatch(found: found))
    }
}

// Enums stored by raw value in more than one table; an enum of one table declares its conformance beside its decoder.
extension ResourceType: SQLDecodable {}
extension PeriodType: SQLDecodable {}
extension PlanType: SQLDecodable {}
extension BillingCycle: SQLDecodable {}
extension Role: SQLDecodable {}

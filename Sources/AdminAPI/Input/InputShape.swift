/// A type read from declared parameters: an action's whole input, or one element of a nested
/// array with a declared shape (an event of `log_usage_batch`, a line item).
///
/// `fields` is the one declaration of what may be sent; `init` reads them through the reader, which
/// collects every invalid field instead of stopping at the first. An initializer must only read and
/// combine values — a required field that failed reads as a placeholder, and the reader throws all
/// collected errors before the value is ever used.
public protocol InputShape: Sendable {
    static var fields: [FieldSpec] { get }
    init(_ reader: inout InputReader) throws
}

/// The input of an action (`init(_ params: Params) throws`).
public protocol ActionInput: InputShape {}

extension InputShape {
    /// Reads and checks `params` against `fields`: unknown names, conflicts and every invalid field in one 400.
    /// `extraAllowed` are names the router itself reads (`tenant_id`).
    public init(_ params: Params, extraAllowed: Set<String> = []) throws {
        var reader = InputReader(params, shape: Self.fields, extraAllowed: extraAllowed)
        let value = try Self(&reader)
        try reader.finish()
        self = value
    }
}

/// The input of an action that takes no parameters.
public struct NoInput: ActionInput {
    public static let fields: [FieldSpec] = []
    public init(_ reader: inout InputReader) {}
}

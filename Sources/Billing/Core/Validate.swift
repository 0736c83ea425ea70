/// The longest e-mail address accepted anywhere (RFC 5321's path limit): users, tenants' billing addresses.
public enum EmailAddress {
    public static let maxLength = 254
}

/// Domain-level checks shared by the services; each failure names the field and says why.
enum Validate {
    /// A required human-readable text: trimmed, non-empty, at most `maxLength` characters, no control characters.
    static func text(_ value: String?, field: String, maxLength: Int = 200, required: Bool = true) throws -> String? {
        guard let value else {
            if required { throw BillingError.missing(field) }
            return nil
        }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            if required { throw BillingError.validation(field: field, reason: "must not be empty") }
            return nil
        }
        if trimmed.count > maxLength {
            throw BillingError.validation(field: field, reason: "must be at most \(maxLength) characters")
        }
        if trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw BillingError.validation(field: field, reason: "must not contain control characters")
        }
        return trimmed
    }

    /// A URL-safe slug: lower-case letters, digits and single hyphens, 2–64 characters.
    static func slug(_ value: String, field: String = "slug") throws -> String {
        let bytes = Array(value.utf8)
        let ok = (2...Tenant.maxSlugLength).contains(bytes.count)
            && bytes.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
            && bytes.first != 45 && bytes.last != 45 && !value.contains("--")
        guard ok else {
            throw BillingError.validation(field: field, reason: "must be 2-64 lower-case letters, digits or single hyphens, not starting or ending with a hyphen")
        }
        return value
    }

    /// Derives a slug from a name ("Acme Corp!" → "acme-corp").
    static func slugify(_ name: String) -> String {
        var out = ""
        var lastHyphen = true
        for scalar in name.lowercased().unicodeScalars {
            if (scalar.value >= 97 && scalar.value <= 122) || (scalar.value >= 48 && scalar.value <= 57) {
                out.unicodeScalars.append(scalar)
                lastHyphen = false
            } else if !lastHyphen {
                out += "-"
                lastHyphen = true
            }
        }
        while out.hasSuffix("-") { out.removeLast() }
        if out.count < 2 { out = "tenant-" + out }
        return String(out.prefix(Tenant.maxSlugLength)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }

    /// An e-mail address of the form local@domain.tld (≤ 254 bytes, no spaces or control characters).
    static func email(_ value: String, field: String) throws -> String {
        let v = value.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = v.split(separator: "@", omittingEmptySubsequences: false)
        let ok = v.utf8.count <= EmailAddress.maxLength && parts.count == 2 && !parts[0].isEmpty && parts[0].count <= 64
            && parts[1].contains(".") && !parts[1].hasPrefix(".") && !parts[1].hasSuffix(".")
            && !v.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F || "<>()[],;:\\\"".unicodeScalars.contains($0) })
        guard ok else { throw BillingError.validation(field: field, reason: "must be a valid e-mail address") }
        return v
    }
}

import Foundation

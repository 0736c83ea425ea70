import Billing
import Support

/// `login`: a dashboard user's credentials.
struct LoginInput: ActionInput {
    static let email = Field<String>.string("email", "The user's e-mail address (any case)", maxLength: EmailAddress.maxLength, format: "email")
        .required().example("ana@example.com")
    static let password = Field<String>.string("password", "The user's password", maxLength: UserService.maximumPasswordLength)
        .required().example("correct horse battery staple")
    static let fields = [email.spec, password.spec]

    let email: String
    let password: String

    init(_ r: inout InputReader) {
        email = r(Self.email)
        password = r(Self.password)
    }
}

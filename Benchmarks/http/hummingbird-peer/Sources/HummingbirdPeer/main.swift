import Foundation
import Hummingbird

// Usage: HummingbirdPeer PORT PUBLIC_DIR
// GET /health → the same JSON bytes as our bench server; other paths → files under PUBLIC_DIR.
let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8081 : 8081
let publicDir = arguments.count > 2 ? arguments[2] : "public"
let healthBody = ByteBuffer(string: #"{"data":{"status":"ok","database":"ok","version":"bench"}}"#)

let router = Router()
router.add(middleware: FileMiddleware(publicDir, searchForIndexHtml: true))
router.get("/health") { _, _ in
    Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: healthBody))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()

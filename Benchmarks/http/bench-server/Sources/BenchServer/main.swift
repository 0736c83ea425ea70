import HTTP
import Support

// Usage: BenchServer PORT PUBLIC_DIR
// GET /health → the same JSON bytes as the Hummingbird peer; other paths → StaticFileResponder.
let arguments = CommandLine.arguments
let port = arguments.count > 1 ? Int(arguments[1]) ?? 8080 : 8080
let publicDir = arguments.count > 2 ? arguments[2] : "public"
let healthBody = Array(#"{"data":{"status":"ok","database":"ok","version":"bench"}}"#.utf8)

var router = HTTPRouter(fallback: StaticFileResponder(root: publicDir))
router.add("/health", HTTPClosureResponder { _ in .json(.ok, healthBody) })

var configuration = HTTPServerConfiguration()
configuration.port = port
// The access log is off (level warning) as in the peer, which logs nothing per request by default.
let server = HTTPServer(configuration: configuration, responder: router, logger: Logger(level: .warning))
SignalWatcher.install { _ in server.shutdown() }
try server.start()
server.run()

import Payquery

// A credential held in a String must be wrapped in Secret on purpose (so it prints redacted).
// expect: cannot convert value of type 'String' to expected argument type 'Secret'
func mistake(secret: String) { _ = FubeiConfig(appId: "1", appSecret: secret) }

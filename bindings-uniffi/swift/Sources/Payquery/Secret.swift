import Foundation

/// A credential in a config: an app secret, an access token, a PEM private key. `text` is what
/// payquery signs with; its `description` and `debugDescription` are `[redacted]`, so printing
/// or logging a config (whose default description shows every member) never shows it. A string
/// literal is a `Secret`: `FubeiConfig(appId: "1", appSecret: "…")`.
public struct Secret: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible, CustomDebugStringConvertible {
    public let text: String

    public init(_ text: String) {
        self.text = text
    }

    public init(stringLiteral text: String) {
        self.text = text
    }

    public var description: String { "[redacted]" }
    public var debugDescription: String { "[redacted]" }
}

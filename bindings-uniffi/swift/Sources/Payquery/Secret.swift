import Foundation

/// A credential in a config: an app secret, an access token, a PEM private key. `text` is what
/// payquery signs with; its `description` and `debugDescription` are `[redacted]`, so printing
/// or logging a config (whose default description shows every member) never shows it. A string
/// literal is a `Secret`: `FubeiConfig(appId: "1", appSecret: "…")`.
public struct Secret: Hashable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable {
    public let text: String

    public init(_ text: String) {
        self.text = text
    }

    public init(stringLiteral text: String) {
        self.text = text
    }

    public var description: String { "[redacted]" }
    public var debugDescription: String { "[redacted]" }
    /// `dump` and debuggers walk a value's members (`text`) unless it says what they are.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

// Requests and headers carry credentials as plain text (an `Authorization`, an `AppSecret`, a
// Mini Program token in the URL): their description is the core's redacted rendering, and
// `dump` shows that, not their members.
extension HttpRequest: CustomReflectable {
    public var customMirror: Mirror { Mirror(self, children: ["redacted": description], displayStyle: .struct) }
}

extension Header: CustomReflectable {
    public var customMirror: Mirror { Mirror(self, children: ["redacted": description], displayStyle: .struct) }
}

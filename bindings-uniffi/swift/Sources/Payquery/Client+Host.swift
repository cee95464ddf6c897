import Foundation

// What the host supplies to the core, which reads no clock, draws no randomness and opens no
// file itself: the time (`Date()`), 32 bytes from the system CSPRNG per request, and the text
// of the files a config names. These overloads give the generated `Client` its defaults, so
// `try client.buildQuery(query)` signs now with a fresh nonce, as in every other language.

/// 32 bytes from `SystemRandomNumberGenerator` (the platform CSPRNG).
private func randomBytes() -> Data {
    var generator = SystemRandomNumberGenerator()
    return Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
}

private func unixSeconds(_ date: Date) -> Int64 {
    Int64(date.timeIntervalSince1970.rounded(.down))
}

private func invalidConfig(_ field: String, _ reason: String) -> PayqueryError {
    .InvalidConfig(
        code: "INVALID_CONFIG", reason: reason, field: field, providerCode: nil,
        providerMessage: nil, httpStatus: nil, retryable: false, backupHostApplies: false, attempts: [])
}

/// A config or key file's text, through the core's cap: one byte more than it at most is read,
/// so a huge file is refused, not read whole. Only a regular file is opened: a FIFO would block
/// the open forever, and a device or a directory is no key file either.
private func readConfigFile(_ url: URL, field: String) throws -> String {
    let limit = Int(maxDocumentBytes())
    // stat, not lstat: a symbolic link to a key file (a Kubernetes secret mount) is that file.
    var status = stat()
    guard stat(url.path, &status) == 0 else {
        throw invalidConfig(field, "cannot read \(url.path): no such file")
    }
    guard status.st_mode & S_IFMT == S_IFREG else {
        throw invalidConfig(field, "cannot read \(url.path): it is not a regular file (a FIFO, a device or a directory)")
    }
    guard let handle = FileHandle(forReadingAtPath: url.path) else {
        throw invalidConfig(field, "cannot read \(url.path)")
    }
    defer { try? handle.close() }
    let data = (try? handle.read(upToCount: limit + 1)) ?? Data()
    if data.count > limit {
        throw invalidConfig(field, "cannot read \(url.path): it is larger than \(limit) bytes, which no config or key file is")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw invalidConfig(field, "cannot read \(url.path): it is not UTF-8 text")
    }
    return text
}

/// A config document (JSON text, the CLI's format) as the typed `Config`; its `*_path` keys
/// are read relative to `baseDirectory` (default: the working directory), each at most 1 MiB.
public func configFromJson(_ configJson: String, baseDirectory: URL? = nil) throws -> Config {
    let base = baseDirectory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    var files: [String: String] = [:]
    for file in try configFilePaths(configJson: configJson) {
        let url = file.path.hasPrefix("/") ? URL(fileURLWithPath: file.path) : base.appendingPathComponent(file.path)
        files[file.path] = try readConfigFile(url, field: file.key)
    }
    return try configFromJson(configJson: configJson, files: files)
}

extension Client {
    /// A client from a config document (JSON text, the CLI's format), through the typed
    /// `Config`: its `*_path` keys are read relative to `baseDirectory`.
    public static func fromJson(_ configJson: String, baseDirectory: URL? = nil) throws -> Client {
        try Client(config: configFromJson(configJson, baseDirectory: baseDirectory))
    }

    /// Reads a config file; its `*_path` keys are relative to the file, as the CLI does.
    public static func fromConfigFile(_ path: String) throws -> Client {
        let url = URL(fileURLWithPath: path)
        return try fromJson(readConfigFile(url, field: "path"), baseDirectory: url.deletingLastPathComponent())
    }

    /// The signed request for an order query (now, with a fresh CSPRNG nonce, by default).
    public func buildQuery(_ query: Query, timestamp: Date = Date(), nonce: String? = nil) throws -> HttpRequest {
        try buildQuery(query: query, timestamp: unixSeconds(timestamp), nonce: nonce, random: randomBytes())
    }

    /// Two-phase signing, phase one (WeChat Pay): sign `stringToSign()` elsewhere (the
    /// Keychain, a KMS), then `finish`.
    public func prepareQuery(_ query: Query, timestamp: Date = Date(), nonce: String? = nil) throws -> PendingRequest {
        try prepareQuery(query: query, timestamp: unixSeconds(timestamp), nonce: nonce, random: randomBytes())
    }

    /// Verifies and parses the answer to `query`; an answer for another order is refused.
    public func parseQuery(_ response: HttpResponse, query: Query, now: Date = Date()) throws -> QueryResult {
        try parseQuery(response: response, query: query, now: unixSeconds(now))
    }

    /// Parses an access-token answer.
    public func parseTokenResponse(_ response: HttpResponse, now: Date = Date()) throws -> AccessToken {
        try parseTokenResponse(response: response, now: unixSeconds(now))
    }

    /// Checks a WeChat Pay platform-certificate download answer (one saved, or sent by hand)
    /// and merges its certificates into those this client verifies answers with; returns what
    /// is held, newest first. The client needs `api_v3_key`, which decrypts the listing.
    public func parseCertificates(_ response: HttpResponse, now: Date = Date()) throws -> CertificateDownload {
        try parseCertificates(response: response, now: unixSeconds(now))
    }

    /// The platform certificates this client has downloaded and still holds, newest first.
    public func downloadedCertificates(now: Date = Date()) -> [PlatformCertificate] {
        downloadedCertificates(now: unixSeconds(now))
    }

    /// A query document (JSON text, the CLI's format) as this client's typed query.
    public func query(fromJson json: String) throws -> Query {
        try queryFromJson(provider: provider(), queryJson: json)
    }
}

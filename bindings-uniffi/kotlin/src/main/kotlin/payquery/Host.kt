package payquery

// Every entry point says @Throws(PayqueryException::class): Kotlin has no checked exceptions,
// but without it a Java caller's `catch (PayqueryException e)` does not compile.

// What the JVM supplies to the core, which reads no clock, draws no randomness and opens no
// file itself: the time (`Instant.now()`), 32 bytes of `SecureRandom` per request, and the text
// of the files a config names. These extensions give the generated `Client` its defaults, so
// `client.buildQuery(query)` signs now with a fresh nonce, as in every other language.

import java.io.File
import java.security.SecureRandom
import java.time.Instant

private val secureRandom = SecureRandom()

private fun randomBytes(): ByteArray = ByteArray(32).also(secureRandom::nextBytes)

/** The signed request for an order query (now, with a fresh CSPRNG nonce, by default). */
@Throws(PayqueryException::class)
fun Client.buildQuery(query: Query, timestamp: Instant = Instant.now(), nonce: String? = null): HttpRequest =
    buildQuery(query, timestamp.epochSecond, nonce, randomBytes())

/**
 * Two-phase signing, phase one (WeChat Pay): sign `stringToSign()` elsewhere (Android
 * Keystore, a KMS), then `finish`.
 */
@Throws(PayqueryException::class)
fun Client.prepareQuery(query: Query, timestamp: Instant = Instant.now(), nonce: String? = null): PendingRequest =
    prepareQuery(query, timestamp.epochSecond, nonce, randomBytes())

/** Verifies and parses the answer to `query`; an answer for another order is refused. */
@Throws(PayqueryException::class)
fun Client.parseQuery(response: HttpResponse, query: Query, now: Instant = Instant.now()): QueryResult = parseQuery(response, query, now.epochSecond)

/** Parses an access-token answer. */
@Throws(PayqueryException::class)
fun Client.parseTokenResponse(response: HttpResponse, now: Instant = Instant.now()): AccessToken = parseTokenResponse(response, now.epochSecond)

/**
 * Checks a WeChat Pay platform-certificate download answer (one saved, or sent by hand) and
 * merges its certificates into those this client verifies answers with; returns what is held,
 * newest first. The client needs `api_v3_key`, which decrypts the listing.
 */
@Throws(PayqueryException::class)
fun Client.parseCertificates(response: HttpResponse, now: Instant = Instant.now()): CertificateDownload = parseCertificates(response, now.epochSecond)

/** The platform certificates this client has downloaded and still holds, newest first. */
fun Client.downloadedCertificates(now: Instant = Instant.now()): List<PlatformCertificate> = downloadedCertificates(now.epochSecond)

/** A query document (JSON text, the CLI's format) as this client's typed query. */
@Throws(PayqueryException::class)
fun Client.queryFromJson(queryJson: String): Query = queryFromJson(provider(), queryJson)

/**
 * A config document (JSON text, the CLI's format) as the typed [Config]; its `*_path` keys are
 * read relative to `baseDir` (default: the working directory), each at most 1 MiB.
 */
@Throws(PayqueryException::class)
fun configFromJson(configJson: String, baseDir: String? = null): Config {
    val base = File(baseDir ?: ".")
    val files = configFilePaths(configJson).associate { file ->
        file.path to
            readConfigFile(File(file.path).takeIf(File::isAbsolute) ?: File(base, file.path), file.key)
    }
    return configFromJson(configJson, files)
}

/**
 * A client from a config document (JSON text, the CLI's format), through the typed [Config]:
 * its `*_path` keys are read relative to `baseDir` (default: the working directory).
 */
@Throws(PayqueryException::class)
fun Client.Companion.fromJson(configJson: String, baseDir: String? = null): Client = Client(configFromJson(configJson, baseDir))

/** Reads a config file; its `*_path` keys are relative to the file, as the CLI does. */
@Throws(PayqueryException::class)
fun Client.Companion.fromConfigFile(path: String): Client {
    val file = File(path)
    return fromJson(readConfigFile(file, "path"), file.absoluteFile.parent)
}

/**
 * A config or key file's text, through the core's cap: one byte more than it at most is read,
 * so `/dev/zero` or a huge file is refused, not read whole.
 */
private fun readConfigFile(file: File, field: String): String {
    val limit = maxDocumentBytes().toInt()
    // A FIFO, a device or a directory is refused before it is opened: opening a FIFO blocks until
    // a writer comes, and reading a device may never end.
    if (file.exists() && !java.nio.file.Files.isRegularFile(file.toPath())) {
        throw invalidConfig(field, "cannot read ${file.path}: it is not a regular file")
    }
    val bytes =
        try {
            file.inputStream().use { it.readNBytes(limit + 1) }
        } catch (e: java.io.IOException) {
            throw invalidConfig(field, "cannot read ${file.path}: ${e.message}")
        }
    if (bytes.size > limit) {
        throw invalidConfig(field, "cannot read ${file.path}: it is larger than $limit bytes, which no config or key file is")
    }
    val decoder = Charsets.UTF_8.newDecoder()
    return try {
        decoder.decode(java.nio.ByteBuffer.wrap(bytes)).toString()
    } catch (e: java.nio.charset.CharacterCodingException) {
        throw invalidConfig(field, "cannot read ${file.path}: it is not UTF-8 text")
    }
}

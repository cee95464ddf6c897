package payquery

/**
 * A credential in a config: an app secret, an access token, a PEM private key. `text` is what
 * payquery signs with; `toString()` is `[redacted]`, so printing or logging a config (a data
 * class, whose `toString()` shows every member) never shows it.
 */
class Secret(val text: String) {
    override fun toString(): String = "[redacted]"

    override fun equals(other: Any?): Boolean = other is Secret && other.text == text

    override fun hashCode(): Int = text.hashCode()
}

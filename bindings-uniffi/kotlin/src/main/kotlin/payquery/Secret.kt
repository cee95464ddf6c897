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

private val userinfo = Regex("""([A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s]*@""")

/**
 * [text] with the user info of every URL in it (`https://user:pass@host`) as `[redacted]`: how
 * a config's toString() prints (tools/patch_uniffi_kotlin.py), as a password may sit there.
 */
internal fun redactUserinfo(text: String): String = text.replace(userinfo, "$1[redacted]@")

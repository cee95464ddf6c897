// Must not compile: a required config key is missing.
package typecheck

import payquery.FubeiConfig

val config = FubeiConfig(appId = "1")

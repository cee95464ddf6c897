// Must not compile: a number where an id string belongs.
package typecheck

import payquery.FubeiQuery

val query = FubeiQuery(merchantOrderSn = 5)

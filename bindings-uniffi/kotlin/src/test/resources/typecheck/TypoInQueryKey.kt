// Must not compile: a typo'd query key.
package typecheck

import payquery.EduPapayQuery

val query = EduPapayQuery(outTradeN = "A1")

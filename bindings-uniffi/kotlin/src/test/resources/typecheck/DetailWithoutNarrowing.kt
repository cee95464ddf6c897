// Must not compile: a WeChat Pay-only detail member read without narrowing to its provider.
package typecheck

import payquery.QueryResult

fun transaction(result: QueryResult) = result.detail.transaction

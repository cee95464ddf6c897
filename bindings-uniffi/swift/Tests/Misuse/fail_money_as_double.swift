import Payquery

// Money is integer minor units: never a Double.
// expect: cannot convert value of type 'Int64?' to specified type 'Double?'
func mistake(result: QueryResult) { let yuan: Double? = result.order.amount?.minor; _ = yuan }

import Payquery

// An answer is immutable: a verified status cannot be overwritten.
// expect: cannot assign to property
func mistake(result: QueryResult) { var copy = result; copy.order.status = .paid; _ = copy }

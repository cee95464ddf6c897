import Payquery

// A provider's own answer is read after narrowing `detail` to that provider.
// expect: has no member 'tradeState'
func mistake(result: QueryResult) { _ = result.detail.tradeState }

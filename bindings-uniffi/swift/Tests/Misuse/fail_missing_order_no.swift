import Payquery

// A query's required member cannot be left out.
// expect: missing argument for parameter 'outTradeNo'
func mistake() { _ = EduPapayQuery() }

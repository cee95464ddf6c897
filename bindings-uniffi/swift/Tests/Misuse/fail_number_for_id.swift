import Payquery

// An order id is text: a number is refused when compiling.
// expect: cannot convert value of type 'Int' to expected argument type 'String'
func mistake() { _ = FubeiQuery(merchantOrderSn: 5) }

import Payquery

// A plain string is no query (JSON text goes through `query(fromJson:)`).
// expect: cannot convert value of type 'String' to expected argument type 'Query'
func mistake(client: Client) async throws { _ = try await client.query("A1") }

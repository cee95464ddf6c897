import Foundation
import Payquery

// Queries the sandbox's paid edu-papay order with the one-call query and prints one line.
let configDir = CommandLine.arguments.dropFirst().first ?? "."
do {
    let client = try Client.fromConfigFile("\(configDir)/wechatpay_edu_papay.json")
    let result = try await client.query(.wechatpayEduPapay(query: EduPapayQuery(outTradeNo: "EDU_PAID_001")))
    print("consumer: \(result.order.status) \(result.order.amount?.minor ?? -1) \(result.signatureSerial ?? "-")")
} catch let error as PayqueryError {
    print("consumer: \(error)")
    exit(1)
}

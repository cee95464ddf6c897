import payquery

# Config documents as the CLI takes them; `payquery sandbox --write-configs sandbox-configs`
# writes ones for the local sandbox. `*_path` keys are read relative to the file.
client = payquery.Client.from_config_file("sandbox-configs/wechatpay_edu_papay.json")
query: payquery.EduPapayQuery = {"out_trade_no": "EDU_PAID_001"}  # mypy checks every key

# Signed, sent (urllib by default; http=httpx.Client() or a requests.Session), verified, for
# this order only; failed over, retried and waited on as payquery's policy says. A failure
# raises its error class, carrying every attempt. `await client.query_async(...)` for asyncio.
result = client.query(query, timeout=10)

order = result.order
print(order.status, order.amount, order.paid_at, result.signature_serial)
# → PAID Money(minor=888, currency='CNY') 2024-05-20 05:14:15+00:00 PUB_KEY_ID_0119000000012025010100000000000001

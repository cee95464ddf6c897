import httpx
import payquery

# Config documents as the CLI takes them; `payquery sandbox --write-configs sandbox-configs`
# writes ones for the local sandbox. `*_path` keys are read relative to the file.
client = payquery.Client.from_config_file("sandbox-configs/wechatpay_edu_papay.json")
query: payquery.EduPapayQuery = {"out_trade_no": "EDU_PAID_001"}  # mypy checks every key


def send(request: payquery.HttpRequest) -> httpx.Response:
    # request.headers is a mapping httpx and requests both take as is (repr redacts secrets).
    return httpx.request(request.method, request.url, headers=request.headers, content=request.body, timeout=10)


request = client.build_query(query)  # signed now, with a fresh CSPRNG nonce
try:
    response = send(request)
    result = client.parse_query(  # verified, for this order only
        status=response.status_code, headers=response.headers, body=response.content, query=query
    )
except (httpx.TransportError, payquery.PayqueryError) as error:
    backup = client.failover_request(request)
    if backup is None or (isinstance(error, payquery.PayqueryError) and not error.backup_host_applies):
        raise
    response = send(backup)
    result = client.parse_query(
        status=response.status_code, headers=response.headers, body=response.content, query=query
    )

order = result.order
print(order.status, order.amount, order.paid_at, result.signature_serial)
# → PAID Money(minor=888, currency='CNY') 2024-05-20 05:14:15+00:00 PUB_KEY_ID_0119000000012025010100000000000001

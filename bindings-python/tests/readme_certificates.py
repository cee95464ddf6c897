import payquery

# With `api_v3_key` in a WeChat Pay config, `client.query` downloads the platform certificates
# itself (before the first query, every 12 h, and once a minute at most for an unknown serial)
# and picks up WeChat Pay's rotations. A central job can download them explicitly:
client = payquery.Client.from_config_file("sandbox-configs/wechatpay_edu_papay.auto.json")
download = client.download_certificates(timeout=10)  # or `await client.download_certificates_async()`
for certificate in download.certificates:  # every certificate held, newest first
    print(certificate.serial_no, certificate.not_after)
# → 7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92 4733510400

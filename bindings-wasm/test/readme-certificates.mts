import { Client } from 'payquery';

// No platform certificate configured: `api_v3_key` lets payquery download them itself.
const client = await Client.fromConfigFile('sandbox-configs/wechatpay_edu_papay.auto.json');
const { certificates } = await client.downloadCertificates({ timeoutMs: 10_000 });
for (const { serialNo, notAfter } of certificates) console.log(serialNo, new Date(Number(notAfter) * 1000).toISOString());
// → 7132D72A03E93CDDF8C03BBD1F37EEDF7C8D7F92 2120-01-01T00:00:00.000Z

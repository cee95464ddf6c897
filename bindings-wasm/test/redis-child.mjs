// One process of a "fleet" for redis-store.test.mjs: a cold query (Mini Program, or WeChat Pay
// with api_v3_key) with the Redis token store; prints the status and its attempts' purposes.
import { Client } from 'payquery';

import { redisTokenStore } from './redis-token-store.mjs';

const [configFile, queryText, redisUrl] = process.argv.slice(2);
const tokenStore = await redisTokenStore(redisUrl);
try {
  const client = await Client.fromConfigFile(configFile);
  const result = await client.query(JSON.parse(queryText), { tokenStore });
  console.log(JSON.stringify({ status: result.order.status, purposes: result.attempts.map((a) => a.purpose) }));
} finally {
  await tokenStore.close();
}

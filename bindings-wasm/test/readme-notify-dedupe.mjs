// Each notification processed once, across processes and restarts: a provider sends one again
// (WeChat Pay: the same `id`) until it gets its success reply, sometimes twice a second apart.
import { createClient } from 'redis';

export const redis = await createClient({ url: process.env.REDIS_URL }).connect();

/** Runs `process` for the first delivery of a notification; a repeat is only acknowledged. */
export async function processOnce(notification, process) {
  const key = `notified:${notification.id}`;
  const first = await redis.set(key, '1', { condition: 'NX', expiration: { type: 'EX', value: 86_400 } });
  if (first !== 'OK') return false;
  try {
    await process(notification);
  } catch (error) {
    await redis.del(key); // not processed: the provider's next delivery tries again
    throw error;
  }
  return true;
}

// Mini Program access tokens shared by every process of a fleet, in Redis (node-redis).
import { createClient } from 'redis';

export async function redisTokenStore(url) {
  const redis = await createClient({ url }).connect();
  return {
    get: (key) => redis.get(key),
    put: async (key, value, ttlMs) => {
      await redis.set(key, value, { expiration: { type: 'PX', value: ttlMs } });
    },
    // Compare-and-delete: only the token that was rejected, never a newer one.
    invalidate: async (key, value) => {
      await redis.eval("if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0", {
        keys: [key],
        arguments: [value],
      });
    },
    // One process fetches; the others wait for it and read the store again.
    lock: async (key, ttlMs) =>
      (await redis.set(`${key}:lock`, '1', { condition: 'NX', expiration: { type: 'PX', value: ttlMs } })) === 'OK',
    close: () => redis.quit(),
  };
}

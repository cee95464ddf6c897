// The notification API as a node:http server uses it, type-checked with @types/node: Node's own
// header and body types fit, the results narrow per provider, a refusal's reply may be null.
import type { IncomingMessage, ServerResponse } from 'node:http';

import { Client, isPayqueryError, type HandledNotification, type NotificationReply } from 'payquery';

const papay = new Client({
  provider: 'wechatpay_edu_papay',
  mchid: '1900000109',
  merchant_serial_no: 'S',
  merchant_private_key_path: 'k.pem',
  api_v3_key: 'PayquerySandboxApiV3Key000000001',
});

export async function handler(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<bigint | undefined> {
  let reply: NotificationReply;
  let total: bigint | undefined;
  try {
    const handled: HandledNotification<'wechatpay_edu_papay'> = await papay.handleNotification(
      { method: req.method ?? '', headers: req.headers, body },
      { deadlineMs: 4_000 },
    );
    const { detail, order } = handled.notification;
    if (detail.kind === 'transaction') total = detail.transaction.amount?.total;
    total ??= order?.amount?.minor;
    reply = handled.reply;
  } catch (error) {
    reply = isPayqueryError(error) && error.reply !== null ? error.reply : papay.notificationRetryReply();
  }
  res.writeHead(reply.status, Object.fromEntries(reply.headers)).end(reply.body);
  return total;
}

export function sansIo(headers: Headers, body: Uint8Array): string {
  const { notification, attempts } = papay.checkNotification({ method: 'POST', headers, body }, { now: 1_700_000_000n });
  return `${notification.id} ${notification.eventType} ${attempts.length} ${notification.signatureSerial ?? ''}`;
}

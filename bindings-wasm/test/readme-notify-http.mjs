import { createServer } from 'node:http';

import { Client, isPayqueryError } from 'payquery';

const client = await Client.fromConfigFile('sandbox-configs/wechatpay_edu_papay.auto.json');

/** Your own storage; here, a log line. */
async function store(notification) {
  console.log(notification.id, notification.eventType, notification.order?.status);
}

createServer(async (req, res) => {
  // The raw bytes as received: the provider signed exactly these.
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  let reply;
  try {
    const handled = await client.handleNotification({ method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks) });
    await store(handled.notification);
    reply = handled.reply;
  } catch (error) {
    // A refused notification carries its reply; on a failure of your own (storing), ask the
    // provider to send it again.
    reply = isPayqueryError(error) && error.reply ? error.reply : client.notificationRetryReply();
  }
  res.writeHead(reply.status, Object.fromEntries(reply.headers)).end(reply.body);
}).listen(Number(process.env.PORT ?? 8080), function () {
  console.log(`listening on ${this.address().port}`);
});

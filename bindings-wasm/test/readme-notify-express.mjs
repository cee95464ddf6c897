import express from 'express';

import { Client, isPayqueryError } from 'payquery';

const client = await Client.fromConfigFile('sandbox-configs/fubei.json');
const app = express();

// express.raw for every content type: Fubei posts a form, WeChat Pay JSON, and both sign the
// bytes as sent (express.json() or express.urlencoded() would hand over a re-built object).
app.post('/notify/fubei', express.raw({ type: '*/*' }), async (req, res) => {
  let reply;
  try {
    const { notification, reply: ok } = await client.handleNotification({ method: req.method, headers: req.headers, body: req.body });
    console.log(notification.id, notification.order?.status, notification.order?.amount?.minor);
    reply = ok;
  } catch (error) {
    reply = isPayqueryError(error) && error.reply ? error.reply : client.notificationRetryReply();
  }
  res.status(reply.status).set(Object.fromEntries(reply.headers)).send(reply.body);
});

const server = app.listen(Number(process.env.PORT ?? 8080), () => console.log(`listening on ${server.address().port}`));

import os

import payquery
import redis.asyncio as redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

client = payquery.Client.from_config_file("sandbox-configs/wechatpay_edu_papay.auto.json")
seen = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379"))
paid_orders: list[str] = []  # stands for your database


async def fulfil(notification: payquery.Notification) -> None:
    if notification.order is not None and notification.order.status == "PAID":
        paid_orders.append(notification.order.merchant_order_no or "")


async def wechatpay_notify(request: Request) -> Response:
    received = payquery.NotificationRequest(request.method, request.headers.items(), await request.body())
    try:
        handled = await client.handle_notification_async(received)
    except payquery.PayqueryError as error:  # forged, stale, tampered …: the reply says so
        reply = error.reply or client.notification_retry_reply()
    else:
        reply = handled.reply
        key = f"notified:{handled.notification.id}"  # providers send an event more than once
        try:
            if await seen.set(key, 1, nx=True, ex=86400):  # the first delivery of this id
                try:
                    await fulfil(handled.notification)
                except Exception:
                    await seen.delete(key)  # not done: the re-sent one must do it
                    raise
        except Exception:
            reply = client.notification_retry_reply()  # a 5xx: the provider sends it again
    return Response(reply.body, status_code=reply.status, headers=dict(reply.headers))


app = Starlette(routes=[Route("/notify/wechatpay", wechatpay_notify, methods=["POST"])])

import payquery
from flask import Flask, Response, request

client = payquery.Client.from_config_file("sandbox-configs/fubei.json")
app = Flask(__name__)
stored: dict[str, payquery.Notification] = {}  # stands for your database


@app.post("/notify/fubei")
def fubei_notify() -> Response:
    received = payquery.NotificationRequest(request.method, request.headers.items(), request.get_data())
    try:
        handled = client.handle_notification(received)
    except payquery.PayqueryError as error:
        reply = error.reply or client.notification_retry_reply()
    else:
        stored.setdefault(handled.notification.id, handled.notification)  # once per id
        reply = handled.reply
    return Response(reply.body, status=reply.status, headers=dict(reply.headers))

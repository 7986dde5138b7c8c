"""The bare baseline: python-socketio on the app's stack, and nothing else.

gunicorn with one gevent worker, simple-websocket, no Flask, no database:
``POST /send`` with ``n=<number>`` broadcasts one small "suggestion" event to
every connected client, shaped and sized like the app's. What the app adds on
top of this is what bench.run measures.

    gunicorn --worker-class gevent --workers 1 bench.baseline:app
"""
from urllib.parse import parse_qs

import socketio

# The same settings as facilitator.live.realtime, so both servers do the same work per socket.
sio = socketio.Server(async_mode="gevent", cors_allowed_origins=None, max_http_buffer_size=16 * 1024,
                      ping_interval=20, ping_timeout=20)
HTML = ('<li class="suggestion" id="s-{n}" data-seq="{n}" dir="auto">'
        'Forslag #B{n}# fra benken: kaffe, kortere pauser og bedre skilting</li>')


def send(environ, start_response):
    """Broadcast message number n to every client, then answer 200."""
    if environ["PATH_INFO"] != "/send":
        return answer(start_response, "200 OK", b"bare baseline")
    if environ["REQUEST_METHOD"] != "POST":
        return answer(start_response, "405 Method Not Allowed", b"POST n=<number>")
    length = int(environ.get("CONTENT_LENGTH") or 0)
    number = int(parse_qs(environ["wsgi.input"].read(length).decode())["n"][0])
    sio.emit("suggestion", {"id": number, "question_id": 1, "seq": number, "html": HTML.format(n=number)})
    return answer(start_response, "200 OK", b"sent")


def answer(start_response, status: str, body: bytes):
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


app = socketio.WSGIApp(sio, send)

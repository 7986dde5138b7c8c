"""The load client: phones that join over HTTP and listen on raw Socket.IO sockets.

Lean on purpose. python-socketio's client costs about three times the CPU per
received message, so with it we would measure the client. Here a phone is an
asyncio Protocol that parses WebSocket frames and Engine.IO/Socket.IO v5
packets by hand, reads only the message number out of each "suggestion"
event, and records when it arrived. HTTP is a minimal keep-alive HTTP/1.1
client that is enough for our own server's answers.

It runs as its own process (``python -m bench.loadgen``), driven by bench.run
with one JSON command per line on stdin and one JSON answer per line on
stdout, so that it can be pinned to another core than the server.

Clocks: time.monotonic() is CLOCK_MONOTONIC on Linux, the same for every
process on the machine, so sends and receipts recorded by different client
processes can be compared.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import random
import re
import sys
import time
from urllib.parse import urlencode, urlsplit

MARK = b"#B"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
QUESTION = re.compile(r'action="/j/[^/"]+/q/(\d+)"')
TEXT = "Forslag #B{n}# fra benken: kaffe, kortere pauser og bedre skilting"
OK_STATUS = {"htmx": 200, "form": 303, "bare": 200}
# A request that takes longer has failed, as far as a phone's user is concerned.
REQUEST_TIMEOUT = 30


async def post_join(http, code: str, csrf: str, name: str, headers: dict):
    """POST the join form as a phone does; returns the answer and how many refusals it took.

    A room joining at once passes the overload gate (facilitator/infra/overload.py): on a busy
    machine some phones are told to come back (503, Retry-After), and come back as a phone would,
    up to 20 times."""
    body = urlencode({"csrf_token": csrf, "display_name": name, "table": "0"}).encode()
    refused = 0
    while True:
        answer = await http.request("POST", f"/j/{code}/join", {
            **headers, "Content-Type": "application/x-www-form-urlencoded"}, body)
        if answer.status != 503 or refused == 19:
            break
        refused += 1
        retry_after = dict(answer.headers).get("retry-after", "1")
        await asyncio.sleep(float(retry_after if retry_after.isdigit() else 1) * (1 + random.random() / 2))
    if answer.status != 303:
        raise HttpError(f"join answered {answer.status}")
    return answer, refused


class HttpError(Exception):
    pass


class Response:
    __slots__ = ("status", "headers", "body")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def cookies(self) -> dict[str, str]:
        jar = {}
        for name, value in self.headers:
            if name == "set-cookie":
                pair = value.split(";", 1)[0]
                key, _, val = pair.partition("=")
                jar[key.strip()] = val.strip()
        return jar

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class HttpConnection:
    """One keep-alive HTTP/1.1 connection; reopens itself after the server closes it."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def request(self, method: str, path: str, headers: dict[str, str], body: bytes = b"",
                      retry: bool = True) -> Response:
        """Send one request; a connection the server closed while idle is reopened once.

        Retrying is safe for what we send: pages are GETs and every
        suggestion carries a client_id, so a repeat is stored once.
        """
        try:
            if self.writer is None:
                await self.open()
            return await self._exchange(method, path, headers, body)
        except (ConnectionError, asyncio.IncompleteReadError, HttpError, OSError):
            self.close()
            if not retry:
                raise
            await self.open()
            return await self._exchange(method, path, headers, body)

    async def _exchange(self, method, path, headers, body) -> Response:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}"]
        lines += [f"{key}: {value}" for key, value in headers.items()]
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise HttpError(f"bad status line {status_line!r}")
        response_headers = []
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                response_headers.append((name.strip().lower(), value.strip()))
        found = dict(response_headers)
        if "content-length" in found:
            data = await self.reader.readexactly(int(found["content-length"]))
        elif found.get("transfer-encoding", "").lower() == "chunked":
            data = await self._read_chunked()
        else:
            data = await self.reader.read()
            self.close()
        if found.get("connection", "").lower() == "close":
            self.close()
        return Response(int(parts[1]), response_headers, data)

    async def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(chunks)
            chunks.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)


class Receipts:
    """When each numbered message reached the phones of this process: count and last arrival."""

    def __init__(self, capacity: int):
        self.count = [0] * capacity
        self.last = [0.0] * capacity
        self.foreign = 0  # marked messages outside our numbering (a bug if ever > 0)

    def record(self, number: int, now: float) -> None:
        try:
            self.count[number] += 1
            if now > self.last[number]:
                self.last[number] = now
        except IndexError:
            self.foreign += 1


def ws_text_frame(payload: bytes) -> bytes:
    """A masked client text frame. An all-zero mask is legal and leaves the payload as is."""
    length = len(payload)
    if length < 126:
        return bytes((0x81, 0x80 | length)) + b"\0\0\0\0" + payload
    return bytes((0x81, 0x80 | 126)) + length.to_bytes(2, "big") + b"\0\0\0\0" + payload


PONG = ws_text_frame(b"3")


class SocketPhone(asyncio.Protocol):
    """One phone's Socket.IO connection over a raw WebSocket (Engine.IO v4, websocket transport only)."""

    def __init__(self, request: bytes, auth: bytes, receipts: Receipts, loop):
        self.request, self.auth, self.receipts = request, auth, receipts
        self.transport = None
        self.upgraded = False
        self.buffer = b""
        self.fragments: list[bytes] | None = None
        self.ready = loop.create_future()
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc) -> None:
        self.closed = True
        if not self.ready.done():
            self.ready.set_exception(ConnectionError("socket closed before connect"))

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        buffer = self.buffer + data if self.buffer else data
        if not self.upgraded:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = buffer
                return
            if not buffer.startswith(b"HTTP/1.1 101"):
                self.fail(f"no upgrade: {buffer[:200]!r}")
                return
            self.upgraded = True
            buffer = buffer[end + 4:]
        pos, size = 0, len(buffer)
        while size - pos >= 2:
            first, length = buffer[pos], buffer[pos + 1] & 0x7F
            header = 2
            if length == 126:
                if size - pos < 4:
                    break
                length, header = int.from_bytes(buffer[pos + 2:pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, header = int.from_bytes(buffer[pos + 2:pos + 10], "big"), 10
            end = pos + header + length
            if end > size:
                break
            self.on_frame(first, buffer[pos + header:end], now)
            pos = end
        self.buffer = buffer[pos:] if pos < size else b""

    def on_frame(self, first: int, payload: bytes, now: float) -> None:
        opcode, fin = first & 0x0F, first & 0x80
        if opcode == 0x1 and fin:
            self.on_packet(payload, now)
        elif opcode == 0x1:
            self.fragments = [payload]
        elif opcode == 0x0 and self.fragments is not None:
            self.fragments.append(payload)
            if fin:
                self.on_packet(b"".join(self.fragments), now)
                self.fragments = None
        elif opcode == 0x9:
            self.transport.write(bytes((0x8A, 0x80 | len(payload))) + b"\0\0\0\0" + payload)
        elif opcode == 0x8:
            self.transport.close()

    def on_packet(self, packet: bytes, now: float) -> None:
        kind = packet[:2]
        if kind == b"42":
            # One event may carry several suggestions (the app coalesces a room's pushes).
            start = packet.find(MARK)
            while start >= 0:
                stop = packet.find(b"#", start + 2)
                self.receipts.record(int(packet[start + 2:stop]), now)
                start = packet.find(MARK, stop + 1)
        elif kind[:1] == b"2":
            self.transport.write(PONG)
        elif kind == b"40":
            if not self.ready.done():
                self.ready.set_result(True)
        elif kind == b"44":
            self.fail(f"connection refused: {packet[:200]!r}")
        elif kind[:1] == b"0":
            self.transport.write(ws_text_frame(b"40" + self.auth))

    def is_connected(self) -> bool:
        ready = self.ready
        return (not self.closed and ready.done() and not ready.cancelled()
                and ready.exception() is None)

    def fail(self, reason: str) -> None:
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(reason))
        self.transport.close()

    def close(self) -> None:
        if self.transport is not None and not self.closed:
            self.transport.close()


class Phone:
    """A participant's phone: its cookies, its CSRF token, maybe an HTTP connection to send with."""

    def __init__(self, index: int):
        self.index = index
        self.cookies: dict[str, str] = {}
        self.csrf = ""
        self.http: HttpConnection | None = None
        self.socket: SocketPhone | None = None

    def cookie_header(self) -> dict[str, str]:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    def remember(self, response: Response) -> None:
        self.cookies.update(response.cookies())


class Client:
    """The phones of this process and what they do, one command at a time."""

    def __init__(self):
        self.loop = asyncio.get_running_loop()
        self.phones: list[Phone] = []
        self.senders: list[Phone] = []
        self.receipts = Receipts(1)
        self.url = ""
        self.host, self.port = "127.0.0.1", 0
        self.kind = "app"
        self.code = ""
        self.question_id = 0
        self.run_id = os.urandom(3).hex()

    # --- set-up: join, then connect -------------------------------------------------

    async def setup(self, url: str, kind: str, phones: int, senders: int, code: str = "",
                    capacity: int = 200_000, join_concurrency: int = 100,
                    connect_concurrency: int = 200, limit: float = 120, connect: bool = True) -> dict:
        split = urlsplit(url)
        self.url, self.host, self.port, self.kind, self.code = url, split.hostname, split.port, kind, code
        self.receipts = Receipts(capacity)
        self.phones = [Phone(i) for i in range(phones)]
        self.senders = self.phones[:senders]
        result: dict = {"phones": phones}
        if kind == "app":
            started = time.monotonic()
            self.join_refusals = 0
            errors = await bounded(self.phones, self.join, join_concurrency, limit)
            elapsed = time.monotonic() - started
            result.update(joins_per_s=round(phones / elapsed, 1), join_s=round(elapsed, 2),
                          join_errors=errors, join_503s=self.join_refusals)
            self.question_id = await self.find_question()
            result["question_id"] = self.question_id
        else:
            for phone in self.senders:
                phone.http = HttpConnection(self.host, self.port)
        if not connect:
            return result
        started = time.monotonic()
        errors = await bounded(self.phones, self.connect, connect_concurrency, limit)
        elapsed = time.monotonic() - started
        result.update(connects_per_s=round(phones / elapsed, 1), connect_s=round(elapsed, 2),
                      connect_errors=errors,
                      connected=sum(1 for p in self.phones if p.socket and p.socket.is_connected()))
        return result

    async def join(self, phone: Phone) -> None:
        """GET the join form, POST it: the phone now has a participant's signed cookie."""
        http = HttpConnection(self.host, self.port)
        page = await http.request("GET", f"/j/{self.code}", phone.cookie_header())
        if page.status != 200:
            raise HttpError(f"join page answered {page.status}")
        phone.remember(page)
        phone.csrf = CSRF.search(page.text).group(1)
        answer, refused = await post_join(http, self.code, phone.csrf, f"Bench {phone.index}", phone.cookie_header())
        self.join_refusals += refused
        phone.remember(answer)
        if phone in self.senders:
            phone.http = http
        else:
            http.close()

    async def find_question(self) -> int:
        phone = self.senders[0] if self.senders else self.phones[0]
        http = phone.http or HttpConnection(self.host, self.port)
        page = await http.request("GET", f"/j/{self.code}", phone.cookie_header())
        match = QUESTION.search(page.text)
        if match is None:
            raise HttpError("no open question on the phone's page")
        return int(match.group(1))

    async def connect(self, phone: Phone) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": key,
                   "Sec-WebSocket-Version": "13", "Origin": f"http://{self.host}:{self.port}",
                   **phone.cookie_header()}
        request = "\r\n".join(
            ["GET /socket.io/?EIO=4&transport=websocket HTTP/1.1", f"Host: {self.host}:{self.port}"]
            + [f"{k}: {v}" for k, v in headers.items()]) + "\r\n\r\n"
        auth = json.dumps({"workshop": self.code}).encode() if self.kind == "app" else b""
        _, protocol = await self.loop.create_connection(
            lambda: SocketPhone(request.encode("latin-1"), auth, self.receipts, self.loop),
            self.host, self.port)
        phone.socket = protocol
        await asyncio.wait_for(protocol.ready, 30)

    # --- sending at a fixed rate ------------------------------------------------------

    async def send(self, rate: float, duration: float, first: int, mode: str = "htmx",
                   limit: float = 30) -> dict:
        """Open loop: message ``first + i`` leaves at ``i / rate`` s, from whichever sender is free.

        A send that finds every sender busy waits, and its lag is recorded:
        a server that cannot keep up shows as lag rather than as silently
        fewer sends.
        """
        idle: asyncio.Queue[Phone] = asyncio.Queue()
        for phone in self.senders:
            idle.put_nowait(phone)
        sends: dict[int, list] = {}
        tasks = []
        total = int(rate * duration)
        cpu0, started = time.process_time(), time.monotonic()
        for i in range(total):
            delay = started + i / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            phone = await idle.get()
            number = first + i
            lag = time.monotonic() - (started + i / rate)
            tasks.append(asyncio.ensure_future(self.send_one(phone, number, mode, lag, sends, idle)))
        done, pending = await asyncio.wait(tasks, timeout=limit) if tasks else (set(), set())
        for task in pending:
            task.cancel()
        elapsed = time.monotonic() - started
        ok = OK_STATUS["bare" if self.kind == "baseline" else mode]
        acked = {n: v for n, v in sends.items() if v[2] == ok}
        return {"sent": total, "acked": len(acked), "errors": total - len(acked),
                "send_wall_s": round(elapsed, 2), "client_cpu_s": round(time.process_time() - cpu0, 2),
                "sends": {str(n): [v[0], v[1]] for n, v in acked.items()},
                "lag_ms_max": round(1000 * max((v[3] for v in sends.values()), default=0), 1),
                "statuses": sorted({v[2] for v in sends.values()})}

    async def send_one(self, phone: Phone, number: int, mode: str, lag: float, sends: dict,
                       idle: asyncio.Queue) -> None:
        started = time.monotonic()
        status = 0
        try:
            status = (await asyncio.wait_for(self.post(phone, number, mode), REQUEST_TIMEOUT)).status
        except Exception as error:  # noqa: BLE001 - a failed send is counted, not fatal
            status = -1
            phone.http.close()
            print(f"send {number} failed: {error!r}", file=sys.stderr)
        finally:
            sends[number] = [started, time.monotonic(), status, lag]
            idle.put_nowait(phone)

    def post(self, phone: Phone, number: int, mode: str):
        """One suggestion through the real endpoint (CSRF, client_id) or the bare broadcast."""
        headers = {**phone.cookie_header(), "Content-Type": "application/x-www-form-urlencoded"}
        if self.kind == "baseline":
            return phone.http.request("POST", "/send", headers, f"n={number}".encode())
        if mode == "htmx":
            headers["HX-Request"] = "true"
        body = urlencode({"csrf_token": phone.csrf, "text": TEXT.format(n=number),
                          "client_id": f"b{self.run_id}n{number}"}).encode()
        return phone.http.request("POST", f"/j/{self.code}/q/{self.question_id}", headers, body)

    async def report(self, first: int, last: int, expect: int | None = None, wait: float = 20) -> dict:
        """Receipts of messages first..last; waits (bounded) until each reached ``expect`` phones."""
        expect = len(self.phones) if expect is None else expect
        deadline = time.monotonic() + wait
        count = self.receipts.count
        while time.monotonic() < deadline:
            if all(count[n] >= expect for n in range(first, last + 1)):
                break
            await asyncio.sleep(0.05)
        return {"count": count[first:last + 1], "last": self.receipts.last[first:last + 1],
                "foreign": self.receipts.foreign,
                "open_sockets": sum(1 for p in self.phones if p.socket and not p.socket.closed)}

    # --- closed-loop throughput -----------------------------------------------------

    async def throughput(self, duration: float, mode: str, path: str = "", first: int = 0,
                         concurrency: int = 50) -> dict:
        """``concurrency`` requests in flight for ``duration`` s: accepted requests per second.

        Each request goes out from the next phone in turn, so that with enough
        phones none of them passes the app's per-participant limit (the
        endpoint is measured, not the limiter).
        """
        accepted = rejected = 0
        idle: asyncio.Queue[Phone] = asyncio.Queue()
        for phone in self.senders:
            idle.put_nowait(phone)
        latencies: list[float] = []
        counter = iter(range(first, first + 10_000_000))
        ok = OK_STATUS[mode]
        deadline = time.monotonic() + duration

        async def worker():
            nonlocal accepted, rejected
            while time.monotonic() < deadline:
                phone = await idle.get()
                started = time.monotonic()
                try:
                    if mode == "bare":
                        request = phone.http.request(
                            "POST", path, {"Content-Type": "application/x-www-form-urlencoded"},
                            urlencode({"text": TEXT.format(n=next(counter))}).encode())
                    else:
                        request = self.post(phone, next(counter), mode)
                    response = await asyncio.wait_for(request, REQUEST_TIMEOUT)
                    status = response.status
                except Exception:  # noqa: BLE001
                    status = -1
                    phone.http.close()
                idle.put_nowait(phone)
                latencies.append(time.monotonic() - started)
                if status == ok:
                    accepted += 1
                else:
                    rejected += 1

        cpu0, started = time.process_time(), time.monotonic()
        workers = min(concurrency, len(self.senders))
        await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(workers))), duration + 60)
        elapsed = time.monotonic() - started
        latencies.sort()
        return {"accepted": accepted, "rejected": rejected, "seconds": round(elapsed, 2),
                "accepted_per_s": round(accepted / elapsed, 1),
                "p50_ms": round(1000 * pick(latencies, 0.5), 1),
                "p99_ms": round(1000 * pick(latencies, 0.99), 1),
                "client_cpu_s": round(time.process_time() - cpu0, 2)}

    async def bare_senders(self, url: str, senders: int) -> dict:
        split = urlsplit(url)
        self.host, self.port = split.hostname, split.port
        self.senders = [Phone(i) for i in range(senders)]
        for phone in self.senders:
            phone.http = HttpConnection(self.host, self.port)
        return {"senders": senders}

    def close(self) -> None:
        for phone in self.phones + self.senders:
            if phone.socket is not None:
                phone.socket.close()
            if phone.http is not None:
                phone.http.close()


def pick(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(q * len(values)))]


async def bounded(items, action, concurrency: int, timeout: float) -> int:
    """Run ``action`` on every item, ``concurrency`` at a time, within ``timeout``; count failures."""
    semaphore = asyncio.Semaphore(concurrency)
    errors = 0

    async def one(item):
        nonlocal errors
        async with semaphore:
            try:
                await action(item)
            except Exception as error:  # noqa: BLE001
                errors += 1
                if errors <= 3:
                    print(f"{action.__name__} failed: {error!r}", file=sys.stderr)

    tasks = [asyncio.ensure_future(one(item)) for item in items]
    _, pending = await asyncio.wait(tasks, timeout=timeout) if tasks else (set(), set())
    for task in pending:
        task.cancel()
    if pending:
        print(f"{action.__name__}: {len(pending)} unfinished after {timeout} s", file=sys.stderr)
    return errors + len(pending)


async def serve_commands() -> None:
    """Read one JSON command per line, answer one JSON line each, until "quit" or end of input."""
    client = Client()
    reader = asyncio.StreamReader()
    await client.loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while line := await reader.readline():
            command = json.loads(line)
            name = command.pop("cmd")
            if name == "quit":
                break
            try:
                answer = await getattr(client, name)(**command)
            except Exception as error:  # noqa: BLE001 - reported to the driver, which stops the run
                answer = {"error": repr(error)}
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()
    finally:
        client.close()
        await asyncio.sleep(0.1)


def main() -> None:
    try:
        import uvloop  # optional: a faster event loop, used when installed
        uvloop.install()
    except ImportError:
        pass
    asyncio.run(serve_commands())


if __name__ == "__main__":
    main()

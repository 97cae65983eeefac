#!/usr/bin/env python3
"""asyncio / uvloop RESP (Redis protocol) server, the Python comparison point
of bench W6.

    resp_asyncio.py --loop asyncio|uvloop --port 0

Prints "PORT <n>" first. Supports PING, ECHO, SET (EX/PX), GET, DEL, EXISTS,
INCR and MGET over RESP arrays and inline commands: enough for
`redis-benchmark -t ping,set,get`, pipelined or not. Expired keys are
dropped lazily, when next looked up.

Built on asyncio.Protocol rather than streams: it avoids a task and a
buffer copy per read, and is the faster of the two (see run_echo.py).
"""

import argparse
import asyncio
import time


class ProtocolError(Exception):
    pass


def parse_command(buf, pos):
    """Parses one command starting at buf[pos].

    Returns (args, next_pos), or None if the command is not complete yet.
    """
    end = buf.find(b"\r\n", pos)
    if end < 0:
        return None
    if buf[pos] != 0x2A:  # not '*': an inline command such as "PING\r\n"
        return buf[pos:end].split(), end + 2
    try:
        count = int(buf[pos + 1:end])
    except ValueError:
        raise ProtocolError("invalid multibulk length") from None
    args = []
    pos = end + 2
    for _ in range(count):
        end = buf.find(b"\r\n", pos)
        if end < 0:
            return None
        if buf[pos] != 0x24:  # '$'
            raise ProtocolError(f"expected '$', got '{chr(buf[pos])}'")
        try:
            length = int(buf[pos + 1:end])
        except ValueError:
            length = -1
        if length < 0:
            raise ProtocolError("invalid bulk length")
        start, stop = end + 2, end + 2 + length
        if stop + 2 > len(buf):
            return None
        args.append(buf[start:stop])
        pos = stop + 2
    return args, pos


def bulk(value):
    return b"$-1\r\n" if value is None else b"$%d\r\n%s\r\n" % (len(value), value)


def integer(n):
    return b":%d\r\n" % n


def error(msg):
    return b"-ERR %s\r\n" % msg.encode()


def wrong_args(name):
    return error(f"wrong number of arguments for '{name.decode().lower()}' command")


class Store:
    """The keyspace: values are bytes; expiry deadlines are time.monotonic()."""

    def __init__(self):
        self.data = {}
        self.expires = {}

    def get(self, key):
        if self.expires and key in self.expires and self.expires[key] <= time.monotonic():
            del self.expires[key]
            del self.data[key]
        return self.data.get(key)

    def set(self, key, value, ttl_s=None):
        self.data[key] = value
        if ttl_s is not None:
            self.expires[key] = time.monotonic() + ttl_s
        elif self.expires:
            self.expires.pop(key, None)

    def delete(self, key):
        self.expires.pop(key, None)
        return self.data.pop(key, None) is not None


class Commands:
    """Command handlers: each takes the argument list (name first) and
    returns the encoded reply."""

    def __init__(self, store):
        self.store = store
        self.table = {
            b"PING": self.ping, b"ECHO": self.echo, b"SET": self.set, b"GET": self.get,
            b"DEL": self.delete, b"EXISTS": self.exists, b"INCR": self.incr, b"MGET": self.mget,
        }

    def execute(self, args):
        handler = self.table.get(args[0].upper())
        if handler is None:
            return error(f"unknown command '{args[0].decode(errors='replace')}'")
        return handler(args)

    def ping(self, args):
        if len(args) > 2:
            return wrong_args(args[0])
        return bulk(args[1]) if len(args) == 2 else b"+PONG\r\n"

    def echo(self, args):
        return bulk(args[1]) if len(args) == 2 else wrong_args(args[0])

    def set(self, args):
        if len(args) == 3:
            self.store.set(args[1], args[2])
            return b"+OK\r\n"
        if len(args) != 5:
            return wrong_args(args[0]) if len(args) < 3 else error("syntax error")
        unit = {b"EX": 1.0, b"PX": 0.001}.get(args[3].upper())
        try:
            amount = int(args[4])
        except ValueError:
            return error("value is not an integer or out of range")
        if unit is None:
            return error("syntax error")
        if amount <= 0:
            return error("invalid expire time in 'set' command")
        self.store.set(args[1], args[2], amount * unit)
        return b"+OK\r\n"

    def get(self, args):
        return bulk(self.store.get(args[1])) if len(args) == 2 else wrong_args(args[0])

    def delete(self, args):
        if len(args) < 2:
            return wrong_args(args[0])
        return integer(sum(self.store.delete(key) for key in args[1:]))

    def exists(self, args):
        if len(args) < 2:
            return wrong_args(args[0])
        return integer(sum(self.store.get(key) is not None for key in args[1:]))

    def incr(self, args):
        if len(args) != 2:
            return wrong_args(args[0])
        try:
            value = int(self.store.get(args[1]) or 0) + 1
        except ValueError:
            return error("value is not an integer or out of range")
        # INCR keeps any TTL, so write the keyspace directly.
        self.store.data[args[1]] = b"%d" % value
        return integer(value)

    def mget(self, args):
        if len(args) < 2:
            return wrong_args(args[0])
        return b"*%d\r\n" % (len(args) - 1) + b"".join(bulk(self.store.get(key)) for key in args[1:])


class RespProtocol(asyncio.Protocol):
    def __init__(self, commands):
        self.commands = commands
        self.buf = b""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        buf = self.buf + data if self.buf else data
        pos = 0
        replies = []
        try:
            while pos < len(buf):
                parsed = parse_command(buf, pos)
                if parsed is None:
                    break
                args, pos = parsed
                if args:  # blank inline lines are ignored, as by Redis
                    replies.append(self.commands.execute(args))
        except ProtocolError as e:
            replies.append(b"-ERR Protocol error: %s\r\n" % str(e).encode())
            self.transport.write(b"".join(replies))
            self.transport.close()
            return
        self.buf = buf[pos:]
        # One write per batch: a pipelined burst is answered in one send().
        if replies:
            self.transport.write(b"".join(replies))

    # Backpressure: stop reading while the client is not reading replies.
    def pause_writing(self):
        self.transport.pause_reading()

    def resume_writing(self):
        self.transport.resume_reading()


async def serve(port):
    loop = asyncio.get_running_loop()
    commands = Commands(Store())
    server = await loop.create_server(lambda: RespProtocol(commands), "127.0.0.1", port, backlog=1024)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop
        loop_factory = uvloop.new_event_loop
    else:
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(serve(args.port))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""asyncio / uvloop TCP echo server, the Python comparison points of bench W5.

    echo_asyncio.py --loop asyncio|uvloop --api streams|protocol --port 0

Prints "PORT <n>" first; on SIGTERM prints "CPU <user_s> <sys_s>" and exits.
"""

import argparse
import asyncio
import resource
import signal


class EchoProtocol(asyncio.Protocol):
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)

    # Backpressure: stop reading while the peer is not draining its echoes.
    def pause_writing(self):
        self.transport.pause_reading()

    def resume_writing(self):
        self.transport.resume_reading()


async def echo_stream(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def serve(api, port):
    loop = asyncio.get_running_loop()
    if api == "streams":
        server = await asyncio.start_server(echo_stream, "127.0.0.1", port, backlog=1024)
    else:
        server = await loop.create_server(EchoProtocol, "127.0.0.1", port, backlog=1024)
    print(f"PORT {server.sockets[0].getsockname()[1]}", flush=True)
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGTERM, stop.set_result, None)
    await stop
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(f"CPU {usage.ru_utime:.6f} {usage.ru_stime:.6f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loop", choices=("asyncio", "uvloop"), default="asyncio")
    parser.add_argument("--api", choices=("streams", "protocol"), default="streams")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if args.loop == "uvloop":
        import uvloop
        loop_factory = uvloop.new_event_loop
    else:
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        runner.run(serve(args.api, args.port))


if __name__ == "__main__":
    main()

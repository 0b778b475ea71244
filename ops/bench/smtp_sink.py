"""A minimal SMTP server on loopback for the benchmarks: accepts every message,
counts them, keeps nothing. Prints its port on the first line; stops after
`--seconds` or when killed.

    python3 ops/bench/smtp_sink.py [--seconds 600]
"""
import argparse
import asyncio
import sys

count = 0


async def session(reader, writer):
    global count
    writer.write(b"220 bench-sink ESMTP\r\n")
    in_data = False
    while True:
        line = await reader.readline()
        if not line:
            break
        if in_data:
            if line in (b".\r\n", b".\n"):
                in_data = False
                count += 1
                writer.write(b"250 2.0.0 queued\r\n")
            continue
        verb = line.split(b" ", 1)[0].strip().upper()
        if verb == b"EHLO":
            writer.write(b"250-bench-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
        elif verb == b"DATA":
            in_data = True
            writer.write(b"354 go ahead\r\n")
        elif verb == b"QUIT":
            writer.write(b"221 bye\r\n")
            await writer.drain()
            break
        else:
            writer.write(b"250 2.0.0 ok\r\n")
        await writer.drain()
    writer.close()


async def main(seconds):
    server = await asyncio.start_server(session, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await asyncio.sleep(seconds)
    print(f"accepted {count}", file=sys.stderr)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--seconds", type=float, default=600)
    asyncio.run(main(p.parse_args().seconds))

#!/usr/bin/env python3
"""A byte-counting TCP relay between one benchmark contender and the S3 endpoint.

    relay.py <listen-port> <target-host> <target-port> <control-port>

Every byte the contender sends to S3 (requests and bodies: what it uploads) and receives from it (what it
downloads) crosses this relay, and nothing else does: unlike the loopback interface counters in /proc/net/dev, the
counts exclude Ceph's own traffic between radosgw and the OSD (also on loopback, and about as large as the payload)
and every other program using the shared RGW. SigV4 signatures stay valid because the relay forwards bytes
unchanged (RGW checks the Host header the client signed, which names the relay's port).

A connection to <control-port> receives one JSON line {"sent": ..., "received": ..., "connections": ...} with the
totals so far and is closed. Runs until SIGTERM or SIGINT. Only used for the overwrite workload: for throughput
workloads a user-space relay on two shared cores would distort the times it carries.
"""
import asyncio
import json
import signal
import sys

CHUNK = 256 * 1024  # large reads keep the relay's per-byte CPU cost low on loopback

totals = {"sent": 0, "received": 0, "connections": 0}


async def pump(reader, writer, counter):
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            totals[counter] += len(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:  # noqa: BLE001 - the other side may already be gone
            pass


async def main(listen_port, host, port, control_port):
    async def relay(client_reader, client_writer):
        totals["connections"] += 1
        try:
            server_reader, server_writer = await asyncio.open_connection(host, port)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pump(client_reader, server_writer, "sent"),
                             pump(server_reader, client_writer, "received"))

    async def control(_, writer):
        writer.write((json.dumps(totals) + "\n").encode())
        await writer.drain()
        writer.close()

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    data_server = await asyncio.start_server(relay, "127.0.0.1", listen_port)
    control_server = await asyncio.start_server(control, "127.0.0.1", control_port)
    async with data_server, control_server:
        await stop.wait()


def read_totals(control_port):
    """The relay's totals so far (for the orchestrator)."""
    import socket
    with socket.create_connection(("127.0.0.1", control_port), timeout=10) as s:
        return json.loads(s.makefile().readline())


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    asyncio.run(main(int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])))

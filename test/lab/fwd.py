#!/usr/bin/python3
"""Relay stdin/stdout to 127.0.0.1:PORT (used by qemu `guestfwd=...-cmd:`, one process per connection).

qemu's user network runs this with the guest connection on fds 0/1; it exits when either side
closes, so no process outlives its connection.  Loopback only, by construction.
"""

import os
import selectors
import socket
import sys


def main():
    port = int(sys.argv[1])
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.settimeout(None)
    sel = selectors.DefaultSelector()
    sel.register(0, selectors.EVENT_READ, "in")
    sel.register(sock, selectors.EVENT_READ, "sock")
    while True:
        for key, _ in sel.select():
            if key.data == "in":
                data = os.read(0, 65536)
                if not data:
                    return
                sock.sendall(data)
            else:
                data = sock.recv(65536)
                if not data:
                    return
                view = memoryview(data)
                while view:
                    n = os.write(1, view)
                    view = view[n:]


if __name__ == "__main__":
    try:
        main()
    except (OSError, ValueError):
        pass

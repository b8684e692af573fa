#!/usr/bin/python3
"""TCP syslog sink for the drain benchmark: accepts connections, counts LF-terminated messages,
discards them, and writes the running total to <count_file> (checked by run.sh). With [expected],
the moment the total first reaches it (time.time()) goes to <count_file>.done: when the last
event arrived, whatever the sender does after that.

  sink.py <port> <count_file> [expected]
"""
import os
import socket
import sys
import threading
import time

port, count_file = int(sys.argv[1]), sys.argv[2]
expected = int(sys.argv[3]) if len(sys.argv) > 3 else None
total = 0
lock = threading.Lock()


def serve(conn):
    global total
    with conn:
        while True:
            data = conn.recv(1 << 20)
            if not data:
                break
            n = data.count(b"\n")
            with lock:
                total += n
                with open(count_file, "w") as f:
                    f.write(str(total))
                if expected is not None and total >= expected and not os.path.exists(count_file + ".done"):
                    with open(count_file + ".done", "w") as f:
                        f.write(repr(time.time()))


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
with open(count_file, "w") as f:
    f.write("0")
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()

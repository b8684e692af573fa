#!/usr/bin/python3
"""TCP syslog sink for the drain benchmark: accepts connections, counts LF-terminated messages,
discards them, and writes the running total to <count_file> (checked by run.sh)."""
import socket
import sys
import threading

port, count_file = int(sys.argv[1]), sys.argv[2]
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


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port))
srv.listen(16)
with open(count_file, "w") as f:
    f.write("0")
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()

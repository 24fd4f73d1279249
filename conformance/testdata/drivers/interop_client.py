# CPython twin of interop_client.star, driven by TestInteropCPython.
import sys
from multiprocessing.connection import Client

if __name__ == "__main__":
    where, key = sys.argv[1], sys.argv[2]
    if where.startswith("inet:"):
        address = ("127.0.0.1", int(where[len("inet:"):]))
    else:
        address = where[len("unix:"):]
    try:
        conn = Client(address, authkey=key.encode())
    except Exception as err:
        print("connect failed:", "%s: %s" % (type(err).__name__, err))
    else:
        conn.send_bytes(b"ping")
        conn.send_bytes(b"x" * 70000)
        print("reply", conn.recv_bytes().decode())
        print("reply", len(conn.recv_bytes()), "bytes")
        conn.close()

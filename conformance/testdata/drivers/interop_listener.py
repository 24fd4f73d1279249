# CPython twin of interop_listener.star, driven by TestInteropCPython.
import os
import sys
from multiprocessing.connection import Listener


def serve(listener):
    try:
        conn = listener.accept()
    except Exception as err:
        print("accept failed:", "%s: %s" % (type(err).__name__, err))
        return
    msg = conn.recv_bytes()
    print("got", msg.decode())
    big = conn.recv_bytes()
    print("got", len(big), "bytes")
    conn.send_bytes(b"pong:" + msg)
    conn.send_bytes(b"y" * 70000)
    conn.close()


if __name__ == "__main__":
    family, key = sys.argv[1], sys.argv[2]
    if family == "inet":
        address = ("127.0.0.1", 0)
    else:
        address = "interop-%d.sock" % os.getpid()
    with Listener(address, authkey=key.encode()) as listener:
        if family == "inet":
            print("inet:%d" % listener.address[1], flush=True)
        else:
            print("unix:" + listener.address, flush=True)
        serve(listener)

# The Python original of collections_counter_send.star: its output is
# collections_counter_send.out.
import collections
from multiprocessing import Pipe, Pool, Process, Queue


def count_words(text):
    return collections.Counter(text.split())


def relay(q, conn):
    c = q.get()
    c["relayed"] += 1
    conn.send(c)
    conn.close()


def show(c):
    return "%s %s" % (type(c).__name__, " ".join(["%s=%d" % kv for kv in sorted(c.items())]))


if __name__ == "__main__":
    pool = Pool(2)
    for c in pool.map(count_words, ["a b a", "c c c", ""]):
        print(show(c))
    total = sum(pool.map(count_words, ["x y", "y z", "z z"]), collections.Counter())
    print(show(total), "%s=%d" % total.most_common(1)[0])
    print(show(pool.apply(count_words, ("q q r",))))
    pool.close()
    pool.join()

    q = Queue()
    parent, child = Pipe()
    p = Process(target=relay, args=(q, child))
    p.start()
    q.put(collections.Counter({"a": 2, "b": 0}))
    got = parent.recv()
    p.join()
    print(show(got), got["a"], got["missing"], got.total())

    a, b = collections.Counter("abca"), collections.Counter("aabbcc")
    print(show(a), a <= b, a < b, b >= a, b > a, a > b, a < a, a <= a)
    print(collections.Counter(x=1, y=0) <= collections.Counter(x=1), collections.Counter(x=-1) < collections.Counter())

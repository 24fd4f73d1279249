# The Python original of collections_counter.star: its output is
# collections_counter.out.
import collections
import json


def enc(x):
    return json.dumps(x, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


words = "the cat and the hat and the bat".split()
c = collections.Counter(words)
print(enc(c.most_common()), enc(c.most_common(2)), enc(c.most_common(0)), c["the"], c["dog"], len(c))
print("dog" in c, "cat" in c, c.total(), enc(sorted(c.elements())))
c.update(["dog", "cat"])
c.update({"the": -1})
c["cow"] += 2
print(enc(c.most_common(3)), enc(sorted(c.keys())), enc(dict(c)))
c.subtract(["cow", "cow", "cow"])
print(c["cow"], enc(sorted(c.elements())))
a = collections.Counter(a=3, b=1, c=0)
b = collections.Counter({"a": 1, "b": 2, "d": 4})
print(enc(dict(a + b)), enc(dict(a - b)), enc(dict(a | b)), enc(dict(a & b)))
print(a == collections.Counter(a=3, b=1), a != b, collections.Counter() == collections.Counter(x=0))
d = a.copy()
d["z"] = 5
print(enc(dict(a)), enc(dict(d)), bool(collections.Counter()), bool(a))
print(enc(collections.Counter("mississippi").most_common()))
print(c.get("the"), c.get("nope", 7), c.pop("dog"), enc(sorted(c.items())))
print(enc(collections.Counter(collections.Counter(x=2, y=1)).most_common()))

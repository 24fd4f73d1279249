# The Python original of time_random.star: its output is time_random.out
# (run with TZ=UTC).
import random
import time


def err(f, *args, **kwargs):
    try:
        f(*args, **kwargs)
        return "no error"
    except Exception as e:
        return type(e).__name__ + ": " + str(e)


t = (2024, 3, 5, 14, 7, 9, 1, 65, 0)
print(time.strftime("%Y-%m-%d %H:%M:%S", t), "|", time.strftime("%a, %d %b %Y %I:%M %p", t), "|", time.strftime("%c", t))
print(time.strftime("%j %U %W %w %u %V %G %y %e %D %T %F %%", t))
st = time.strptime("2024-03-05 14:07:09", "%Y-%m-%d %H:%M:%S")
print(st)
print(st.tm_year, st.tm_mon, st.tm_mday, st.tm_wday, st.tm_yday, st[0], len(st), tuple(st)[3:6])
print(time.strptime("5 March 24  2:07PM", "%d %B %y %I:%M%p"))
print(time.strptime("Tue Mar  5 14:07:09 2024") == st)
print(time.strptime("2024-03-05T14:07:09+05:30", "%Y-%m-%dT%H:%M:%S%z").tm_gmtoff)
print(time.mktime(st), time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(1700000000)), time.gmtime(0))
print(time.strftime("%Y-%m-%d", time.localtime(86400 * 365)), time.localtime(0).tm_zone)
print(err(time.strptime, "2023-02-30", "%Y-%m-%d"), "|", err(time.strptime, "2024-13-01", "%Y-%m-%d"))
print(err(time.strptime, "2024-01-01 extra", "%Y-%m-%d"), "|", err(time.strptime, "1", "%Q"), "|", err(time.strftime, "%Y", (2024, 13, 1, 0, 0, 0, 0, 1, 0)))

random.seed(42)
print(random.random(), random.randint(1, 6), random.choice(["a", "b", "c"]), random.uniform(10, 20))
deck = list(range(10))
random.shuffle(deck)
print(deck, random.sample(range(50), 4), "".join(random.choices(["x", "y"], weights=[1, 3], k=6)), random.getrandbits(40))
print(random.randrange(100), random.randrange(10, 20), random.randrange(0, 100, 7), random.randrange(50, 0, -5))
r1, r2 = random.Random(2024), random.Random(2024)
print([r1.randint(0, 99) for _ in range(5)] == [r2.randint(0, 99) for _ in range(5)], random.Random("seed").random(), random.Random(b"seed").random())
print(err(random.choice, []), "|", err(random.randint, 3, 1), "|", err(random.sample, [1, 2], 3))

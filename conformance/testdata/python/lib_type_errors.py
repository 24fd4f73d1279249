# The Python original of lib_type_errors.star: its output is
# lib_type_errors.out.
import base64
import collections
import csv
import glob
import hashlib
import json
import os
import re
import shutil
import time


def kind(f, *args):
    try:
        f(*args)
    except Exception as e:
        return type(e).__name__
    return "no error"


def err(f, *args):
    try:
        f(*args)
    except Exception as e:
        return "%s: %s" % (type(e).__name__, e)
    return "no error"


# Messages as CPython's.
print(err(re.findall, 1, "a"))
print(err(re.compile, 1))
print(err(re.search, "a", 1))
print(err(re.compile("a").search, 1))
print(err(re.compile("a").search, "a", "x"))
print(err(lambda: re.search("a", "a").group(x=1)))
print(err(collections.Counter, 1))
print(err(collections.Counter().update, 1))
print(err(csv.DictWriter(open("/dev/null", "w"), ["a"]).writerow, 1))
print(err(len, 1))
print(err(hashlib.sha256, "text"))
print(err(base64.b64encode, 1))
print(err(os.path.join, 1))

# Types only: argument unpacking and other messages worded differently.
print(kind(re.findall, "a"))
print(kind(re.sub, "a", 1, "a"))
print(kind(re.compile, "a", "x"))
print(kind(hashlib.new, 1))
print(kind(os.remove, 1))
print(kind(os.makedirs, 1))
print(kind(re.sub, "a", lambda m: 1, "a"))
print(kind(collections.Counter("ab").most_common, "x"))
print(kind(glob.glob, 1))
print(kind(shutil.which, 1))
print(kind(time.strftime, 1))
print(kind(json.loads, 1))

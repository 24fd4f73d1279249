# The Python original of json_python.star: its output is json_python.out.
import json


def err(f, *args, **kwargs):
    try:
        f(*args, **kwargs)
        return "no error"
    except Exception as e:
        m, n = type(e).__module__, type(e).__qualname__
        return (n if m == "builtins" else m + "." + n) + ": " + str(e)


show = json.dumps


record = {"name": "Zoë", "tags": ["a", "b"], "n": 3, "ratio": 0.1 + 0.2, "ok": True, "none": None,
          "nested": {"z": [], "a": {}, "big": 12345678901234567890, "f": 1e16, "g": 1.0, "neg": -0.0},
          "text": "tab\tquote\" slash/ back\\ ctl\x01 del\x7f emoji😀 line\u2028"}
print(json.dumps(record))
print(json.dumps(record, ensure_ascii=False))
print(json.dumps(record, indent=2, sort_keys=True))
print(json.dumps(record["tags"], indent=0))
print(json.dumps(record["nested"], indent="\t", separators=(",", ":")))
print(json.dumps([1, (2, 3), {"k": [4]}], separators=(",", ":")))
print(json.dumps({1: "int", 2.5: "float", False: "bool", None: "none"}))
print(json.dumps([float("inf"), float("-inf"), float("nan")]))
print(json.dumps({"a": 1, (1, 2): 2}, skipkeys=True), json.dumps("plain"), json.dumps(7), json.dumps(None))
print(json.dumps({"s": set([2, 1])}, default=sorted))
print(err(json.dumps, {(1, 2): 2}), "|", err(json.dumps, [float("nan")], allow_nan=False))
print(err(json.dumps, {"b": 1, 1: 2}, sort_keys=True))
loop = []
loop.append(loop)
print(err(json.dumps, loop))

doc = json.loads('{"name": "Zo\\u00eb", "list": [1, 2.5, -0, 1e3, true, false, null], "emoji": "\\ud83d\\ude00", "esc": "\\"\\\\\\/\\b\\f\\n\\r\\t", "nested": {"a": {"b": []}}, "big": 123456789012345678901234567890}')
print(doc["name"], show(doc["list"]), doc["emoji"], len(doc["esc"]), show(doc["nested"]), doc["big"])
print(show(list(doc.keys())))
print(show(json.loads(b'[1, "two"]')), json.loads("  3  "), json.loads('"x"'), show(json.loads("[NaN, Infinity, -Infinity]")))
print(show(json.loads('{"a": 1, "a": 2}')), show(json.loads('{"p": 1.5}', parse_float=str)), show(json.loads('[7]', parse_int=float)))
print(show(json.loads('{"x": {"y": 1}}', object_hook=lambda d: sorted(d.keys()))))
print(json.loads(json.dumps(record)) == record)
print('{"a":[true,null],"b":1}', '{"k": [1, 2.5]}')  # Starlark's encode and decode
for bad in ["", "[1,", '{"a" 1}', "{1: 2}", "[1 2]", '"abc', '"a\\qb"', "[1]x", "nul", '{"a": 1,}', '"\t"', "  \n [1,\n 2,\n x]", '"\\u12"', "[1,]", "01", "-", "{", '["a", ]']:
    print(show(bad), "->", err(json.loads, bad))
print(err(json.loads, 5))

# Generates format_table.jsonl: format(value, spec) as CPython computes it,
# or the exception it raises, for the pybuiltins tests.
#   python3 format_table.py > format_table.jsonl
import itertools
import json

ints = [0, 1, -1, 7, 42, -42, 255, 1234, -1234, 65535, 1234567, -9876543, 2**64 + 5, -(2**70)]
floats = [0.0, -0.0, 1.0, -1.0, 0.5, 1.5, 2.5, -2.5, 0.125, 3.14159265358979, -2.718281828, 1234.5678,
          -1234567.891, 1e-5, 1e-4, 0.00012345, 123456789.0, 1e15, 1e16, 1.5e16, 1e22, 1e100, 1e-100,
          5e-324, 1.7976931348623157e308, 0.1, 0.3, 2.675, 1e300 * 10, -1e300 * 10, float("nan"), 100.0,
          123.0, 12.0, 99999.5, 999999.5, 0.0001, 0.00009999]
strs = ["", "a", "abc", "héllo", "日本", "long string here"]
specs_num = ["", "d", "b", "o", "x", "X", "c", "n", "#b", "#o", "#x", "#X", "+", "-", " ", "+d", " d",
             "5", "<5", ">5", "^5", "=8", "*^9", "08", "+08", "010,", "09,", "0=10,", "x=10,", ",", "_", "_b", "_x",
             "#_x", "#010x", ",d", "e", "E", ".0e", "#.0e", ".3e", "f", "F", ".0f", "#.0f", ".2f", ".10f", "+.2f",
             "g", "G", ".0g", ".1g", ".3g", ".10g", "#g", "#.3g", ".3", ".1", ".12", "%", ".1%", ".0%",
             "z.2f", "z", "z.0f", "12.3f", "<12.3f", "^+12.3e", "012.3f", "0=+12.3f", ",.2f", "_.3f", "015,.2f",
             ",g", ",e", ",%", "n", ",n", ".2d", "s", "#c", ",c", "+c", "z", "abc", "<<<", ".", ",_", "10.2x"]
specs_str = ["", "s", "5", "<5", ">5", "^6", "*^7", ".2", "8.2", "05", "=5", "+", "#", ",", "d", "x", ".0", "é>4"]

def row(v, s):
    try:
        out, err = format(v, s), None
    except Exception as e:
        out, err = None, type(e).__name__ + ": " + str(e)
    if isinstance(v, bool):
        kind, rep = "bool", str(v)
    elif isinstance(v, int):
        kind, rep = "int", str(v)
    elif isinstance(v, float):
        kind, rep = "float", repr(v)
    else:
        kind, rep = "str", v
    return json.dumps([kind, rep, s, out, err], ensure_ascii=False)

for v, s in itertools.chain(itertools.product(ints + floats + [True, False], specs_num), itertools.product(strs, specs_str)):
    print(row(v, s))

# Parallel word count over a directory of text files: each worker reads one
# file and counts its words; the parent adds the counts up as they arrive.
#
#   python3 wordcount.py [DIRECTORY]      (default: texts)

import glob
import re
import sys
from collections import Counter
from multiprocessing import Pool

WORD = r"[a-z']+"


def count_words(path):
    with open(path, encoding="utf-8") as f:
        return path, Counter(re.findall(WORD, f.read().lower()))


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "texts"
    paths = sorted(glob.glob(directory + "/*.txt"))
    total = Counter()
    pool = Pool(4)
    for path, counts in pool.imap_unordered(count_words, paths):
        total.update(counts)
    pool.close()
    pool.join()
    print(len(paths), "files,", sum(total.values()), "words,", len(total), "distinct")
    # Ties are broken by the word, so the output does not depend on which
    # worker finished first.
    for word, n in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))[:12]:
        print(n, word)


if __name__ == "__main__":
    main()

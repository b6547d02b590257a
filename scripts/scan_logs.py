#!/usr/bin/env python3
"""Fails when a log holds a mainland mobile phone number (issue 39: no phone reaches the logs).

    scripts/scan_logs.py FILE_OR_DIR ...

Reads every file given (and every *.log under a directory given). A phone is 11 digits starting
1[3-9] with no letter or digit either side: inside a longer token of letters and digits (a
random hex key id such as kid=fb14712345675196f84, a hash) the digits are part of that token,
not a phone; beside punctuation, a space, a quote, =, : or a CJK character they are one.
Masked forms (139****5678) are not phones. Prints each hit with its file and line, the number
itself masked, and exits 1 when there is any.
"""
import pathlib
import re
import sys

PHONE = re.compile(r"(?<![0-9A-Za-z])1[3-9][0-9]{9}(?![0-9A-Za-z])")


def files(args):
    for arg in args:
        path = pathlib.Path(arg)
        if path.is_dir():
            yield from sorted(path.glob("*.log"))
        elif path.exists():
            yield path


def main():
    hits = 0
    lines = 0
    for path in files(sys.argv[1:]):
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                lines += 1
                for m in PHONE.finditer(line):
                    hits += 1
                    if hits <= 50:
                        masked = m.group()[:3] + "****" + m.group()[-4:]
                        shown = line[: m.start()] + masked + line[m.end():]
                        print(f"{path}:{number}: a phone number in the log: {shown.strip()[:300]}")
    print(f"scanned {lines} log lines: {hits} phone numbers")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""prom_check.py FILE [SAMPLE[=VALUE]...] — checks that FILE is valid
Prometheus text exposition format (0.0.4): every family has one HELP and one
TYPE line before its samples, sample names belong to the family (summary:
_sum, _count and quantile samples), label values are properly escaped, values
parse, counters end in _total, no series twice.  Each SAMPLE given (the name
and labels exactly as written) must be present, with VALUE if given.
Exit 0 when all holds, else 1 with the reasons."""
import re
import sys

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
SAMPLE = re.compile(r"^(%s)(\{(?:%s)(?:,%s)*\})? (\S+)$" % (NAME, LABEL, LABEL))
VALUE = re.compile(r"^(?:[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)|[-+]?Inf|NaN)$")


def check(text):
    errors, samples = [], {}
    help_, types = {}, {}
    family = None
    for n, line in enumerate(text.split("\n"), 1):
        if line == "":
            continue
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            parts = line.split(" ", 3)
            if len(parts) < 4 or not re.match("^%s$" % NAME, parts[2]):
                errors.append("line %d: bad comment: %r" % (n, line))
                continue
            table = help_ if parts[1] == "HELP" else types
            if parts[2] in table:
                errors.append("line %d: second %s for %s" % (n, parts[1], parts[2]))
            table[parts[2]] = parts[3]
            if parts[1] == "TYPE" and parts[3] not in ("counter", "gauge", "summary", "histogram", "untyped"):
                errors.append("line %d: unknown type %s" % (n, parts[3]))
            family = parts[2]
            continue
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if not m:
            errors.append("line %d: not a sample: %r" % (n, line))
            continue
        name, labels, value = m.group(1), m.group(2) or "", m.group(3)
        if not VALUE.match(value):
            errors.append("line %d: bad value %r" % (n, value))
        base = family
        kind = types.get(base)
        ok = name == base or (kind == "summary" and name in (base + "_sum", base + "_count"))
        if not ok or base not in help_ or kind is None:
            errors.append("line %d: sample %s outside its family's HELP/TYPE (family %s)" % (n, name, base))
        if kind == "counter" and not name.endswith("_total"):
            errors.append("line %d: counter %s does not end in _total" % (n, name))
        key = name + labels
        if key in samples:
            errors.append("line %d: series %s twice" % (n, key))
        samples[key] = value
    return errors, samples


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    errors, samples = check(text)
    for want in sys.argv[2:]:
        key, value = want, ""
        i = want.rfind("=")
        if i > 0 and i > want.rfind("}"):  # NAME=V or NAME{...}=V
            key, value = want[:i], want[i + 1:]
        if key not in samples:
            errors.append("no sample %s" % key)
        elif value and float(samples[key]) != float(value):
            errors.append("%s is %s, expected %s" % (key, samples[key], value))
    for e in errors:
        print("prom_check: " + e, file=sys.stderr)
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""console.py LOG — read the final report a crowd executable printed (stderr)
and print it as JSON, so end-to-end tests can assert on the numbers:

  {"table": {"GET products": {"reqs": 10, "fails": 0, "avg": 1.2, ...}, ...,
             "Aggregated": {...}},
   "percentiles": {"GET products": {"50%": 1.0, ..., "# reqs": 10}, ...},
   "errors": [{"occurrences": 3, "error": "GET /x: HTTP 500"}],
   "tables": N}

"table" is the last stats table in the log (the final one)."""
import json
import re
import sys

SEP = re.compile(r'^-+\|')
ROW = re.compile(r'^(?P<type>.{8}) (?P<name>.*?)\s+(?P<reqs>\d+)\s+(?P<fails>\d+)\((?P<pct>[\d.]+)%\)\s+\|'
                 r'\s*(?P<avg>[\d.]+)\s+(?P<min>[\d.]+)\s+(?P<max>[\d.]+)\s+(?P<med>[\d.]+)\s+\|'
                 r'\s*(?P<rps>[\d.]+)\s+(?P<fps>[\d.]+)\s*$')


def key(typ, name):
    typ = typ.strip()
    return f"{typ} {name}" if typ else name


def parse(lines):
    tables, percentiles, errors = [], {}, []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith('Type ') and '# reqs' in line and '# fails' in line:
            table = {}
            i += 1
            while i < len(lines) and lines[i].strip():
                m = ROW.match(lines[i])
                if m:
                    d = {k: float(m[k]) for k in ('avg', 'min', 'max', 'med', 'rps', 'fps')}
                    d.update(reqs=int(m['reqs']), fails=int(m['fails']))
                    table[key(m['type'], m['name'].strip())] = d
                i += 1
            tables.append(table)
            continue
        if line.startswith('Response time percentiles'):
            i += 1
            header = lines[i].split()
            labels = header[header.index('Name') + 1:]
            labels = labels[:-2] + ['# reqs']  # "# reqs" is two words
            i += 1
            while i < len(lines) and lines[i].strip():
                if not SEP.match(lines[i]):
                    typ, rest = lines[i][:8], lines[i][9:]
                    parts = rest.split()
                    nums, name = parts[-len(labels):], ' '.join(parts[:-len(labels)])
                    percentiles[key(typ, name)] = dict(zip(labels, map(float, nums)))
                i += 1
            continue
        if line.startswith('Error report'):
            while i < len(lines) and not SEP.match(lines[i]):
                i += 1
            i += 1
            while i < len(lines) and not SEP.match(lines[i]) and lines[i].strip():
                m = re.match(r'^(\d+)\s+(.*?)\s*$', lines[i])
                if m:
                    errors.append({'occurrences': int(m[1]), 'error': m[2]})
                i += 1
        i += 1
    return {'table': tables[-1] if tables else {}, 'tables': len(tables),
            'percentiles': percentiles, 'errors': errors}


if __name__ == '__main__':
    with open(sys.argv[1], encoding='utf-8', errors='replace') as f:
        print(json.dumps(parse(f.read().splitlines()), indent=1))

#!/usr/bin/env python3
"""named-frames.py -- how much of a profile is named: of every sample's
frames (all of them, and the leaf only), the share with a function name.

    sprof convert -f sentry RAW | tools/named-frames.py [LABEL]

Reads one Sentry v1 profile (sprof convert -f sentry) on stdin and prints
one Markdown table row: label, samples, named frames %, named leaves %, and
the images of the most unnamed leaves.  doc/fidelity.md lists the results."""
import collections
import json
import sys


def main():
    label = sys.argv[1] if len(sys.argv) > 1 else '?'
    d = json.load(sys.stdin)
    frames = d['profile']['frames']
    stacks = d['profile']['stacks']
    total = named = leaves = named_leaves = 0
    unnamed = collections.Counter()
    for s in d['profile']['samples']:
        st = stacks[s['stack_id']]
        if not st:
            continue
        total += len(st)
        named += sum(1 for i in st if frames[i].get('function'))
        leaves += 1
        leaf = frames[st[0]]
        if leaf.get('function'):
            named_leaves += 1
        else:
            unnamed[leaf.get('module', 'no image')] += 1
    top = ', '.join('%s %d' % kv for kv in unnamed.most_common(3)) or '–'
    print('| %s | %d | %.1f %% | %.1f %% | %s |' % (
        label, leaves, 100.0 * named / max(total, 1), 100.0 * named_leaves / max(leaves, 1), top))


if __name__ == '__main__':
    main()

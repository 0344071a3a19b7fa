# SPDX-License-Identifier: GPL-3.0-or-later
"""
Cold resolution rate (measured and printed as MEASURE: lines, never asserted):
names of big.lab. that kresd has never asked, each resolved from the root.
Only the answers' correctness is asserted.
"""
import time

from conftest import check_answer, measure

COLD = "option('NO_CACHE', true)\n"


def names(first, count):
    return [('h%04d.big.lab.' % i, 'A') for i in range(first, first + count)]


def run(k, tree, net, qs, workers):
    before = net.counts()
    t0 = time.monotonic()
    res = k.query_many(qs, workers=workers)
    secs = time.monotonic() - t0
    up = sum(net.diff(net.counts(), before).values())
    errors = ['%s: %s' % (q[0], check_answer(tree, q[0], q[1], r)) for q, r, _ in res
              if check_answer(tree, q[0], q[1], r)]
    assert not errors, errors[:10]
    lat = sorted(t for _, _, t in res)
    return secs, up, lat[len(lat) // 2], lat[int(len(lat) * 0.99)]


def test_cold_resolution_rate(kresd, tree, net):
    for label, config, workers, qs in (
            ('no cache, sequential', COLD, 1, names(0, 300)),
            ('no cache, 16 in flight', COLD, 16, names(0, 500)),
            ('cache on, new names, sequential', '', 1, names(500, 300)),
            ('cache on, new names, 16 in flight', '', 16, names(600, 500))):
        k = kresd(config)
        secs, up, p50, p99 = run(k, tree, net, qs, workers)
        measure('cold resolution, %s: %d names of big.lab. in %.2f s = %.0f names/s; '
                '%.1f upstream queries per name; latency p50 %.1f ms, p99 %.1f ms'
                % (label, len(qs), secs, len(qs) / secs, up / len(qs), p50 * 1e3, p99 * 1e3))

# SPDX-License-Identifier: GPL-3.0-or-later
"""
kresd against the whole fake Internet: for every name and type of the tree
(plus NXDOMAIN, NODATA, DS, wildcard, DNAME and chain probes), kresd's answer
equals the authoritative data (fakenet.Tree.expected): rcode, the answer
section (CNAME/DNAME chains included), the authority section (the SOA of the
zone for NXDOMAIN/NODATA, nothing for a positive answer), no additional
records; AA clear, RA set; TTLs not above the zone's. Over UDP and TCP, with
and without QNAME minimisation, in strict and permissive mode. The cache is off
(option('NO_CACHE', true): every question is resolved from the root) except in
test_every_name_cached, which asks everything twice and wants the second round
answered without upstream queries.
"""
import time

import dns.name
import dns.rdatatype
import pytest

from conftest import check_answer, measure

BIG = 'big.lab.'


def is_big(q):
    return q[0].to_text().endswith('.' + BIG) or q[0].to_text() == BIG


def run_all(kresd_proc, tree, questions, tcp=False, workers=16, label='', net=None):
    before = net.counts() if net else None
    t0 = time.monotonic()
    results = kresd_proc.query_many(questions, tcp=tcp, workers=workers)
    secs = time.monotonic() - t0
    if net:
        up = net.diff(net.counts(), before)
        label += ' (%d upstream queries: %s)' % (sum(up.values()), up)
    errors = []
    for (name, rdtype), reply, _ in results:
        why = check_answer(tree, name, rdtype, reply)
        if why:
            errors.append('%s %s: %s' % (name, dns.rdatatype.to_text(rdtype), '; '.join(why)))
    slow = sorted((t, '%s %s' % (q[0], dns.rdatatype.to_text(q[1]))) for q, _, t in results)[-3:]
    print('%s: %d questions in %.1f s, slowest %s' % (label, len(questions), secs, slow))
    return errors


def report(errors, total):
    return '%d of %d answers differ from the authoritative data:\n%s' % (
        len(errors), total, '\n'.join(errors[:40]))


def sample(questions, keep_big_every):
    return [q for i, q in enumerate(questions) if not is_big(q) or i % keep_big_every == 0]


COLD = "option('NO_CACHE', true)\n"


def test_every_name_udp(kresd, tree, net):
    """All ~2800 questions of the tree over UDP (default: QNAME minimisation on), no cache."""
    k = kresd(COLD)
    qs = tree.questions()
    t0 = time.monotonic()
    errors = run_all(k, tree, qs, label='udp', net=net)
    secs = time.monotonic() - t0
    measure('cold resolution of the whole tree (no cache, UDP, 16 in flight): %d questions '
            'in %.2f s = %.0f/s (includes one 1.5 s timeout of the silent server)'
            % (len(qs), secs, len(qs) / secs))
    assert not errors, report(errors, len(qs))


def test_every_name_tcp(kresd, tree):
    """The same over TCP, no cache."""
    k = kresd(COLD)
    qs = tree.questions()
    errors = run_all(k, tree, qs, tcp=True, label='tcp')
    assert not errors, report(errors, len(qs))


@pytest.mark.parametrize('minimize', [False, True], ids=['NO_MINIMIZE', 'minimize-explicit'])
def test_minimisation_option(kresd, tree, net, minimize):
    """option('NO_MINIMIZE', x): the same answers either way (every question), no cache."""
    k = kresd(COLD + "option('NO_MINIMIZE', %s)\n" % ('false' if minimize else 'true'))
    qs = tree.questions()
    errors = run_all(k, tree, qs, label='NO_MINIMIZE=%s' % (not minimize), net=net)
    assert not errors, report(errors, len(qs))


@pytest.mark.parametrize('mode', ['strict', 'permissive'])
def test_glue_modes(kresd, tree, mode):
    """
    mode(): strict (mandatory glue only: sibling glue of sib.lab./feat.lab. and the
    root's glue for ns.nic.wan. are resolved instead) gives the same answers.
    Permissive accepts any glue, by the reference's table, so it is led to the
    poison server by oob.wan.'s out-of-bailiwick glue: child.oob.wan. is left out there.
    """
    k = kresd(COLD + "mode('%s')\n" % mode)
    qs = [q for q in tree.questions() if not is_big(q)
          and not (mode == 'permissive' and q[0].is_subdomain(dns.name.from_text('child.oob.wan.')))]
    errors = run_all(k, tree, qs, label='mode %s' % mode)
    assert not errors, report(errors, len(qs))


def test_every_name_cached(kresd, tree, net):
    """With the cache (default config): right answers, and the second round costs no upstream query."""
    k = kresd()
    qs = sample(tree.questions(), 5)
    errors = run_all(k, tree, qs, label='cache, round 1')
    assert not errors, report(errors, len(qs))
    before = net.counts()
    errors = run_all(k, tree, qs, label='cache, round 2')
    upstream = net.diff(net.counts(), before)
    print('upstream queries in round 2: %s' % upstream)
    assert not errors, 'round 2 (from the cache): ' + report(errors, len(qs))
    assert sum(upstream.values()) == 0, 'the second round of %d questions sent %s upstream' % (
        len(qs), upstream)


def test_zone_cut_from_cache(kresd, tree, net):
    """Once a zone's servers are cached, a new name in it costs one upstream query."""
    k = kresd()
    names = [q for q in tree.questions() if is_big(q) and q[1] == dns.rdatatype.A][:12]
    assert len(names) == 12
    first, rest = names[0], names[1:]
    _, r = k.query(first[0], first[1])
    assert r.rcode() == 0
    before = net.counts()
    for name, rdtype in rest:
        _, r = k.query(name, rdtype)
        assert r.rcode() == 0 and r.answer, 'no answer for %s' % name
    upstream = net.diff(net.counts(), before)
    print('upstream queries for %d new names of a cached zone: %s' % (len(rest), upstream))
    assert sum(upstream.values()) == len(rest), upstream

# SPDX-License-Identifier: GPL-3.0-or-later
"""
Aggressive use of the DNSSEC-validated cache (RFC 8198): after one answer
whose NSEC/NSEC3 records were validated, other names those records cover are
answered from the cache (NXDOMAIN, NODATA, a wildcard's expansion) with AD
and no upstream query; names they do not cover, insecure zones, NSEC3 opt-out
spans and expired records are asked upstream.
"""
import os
import time

import dns.dnssec
import dns.flags
import dns.name
import dns.rdatatype
import pytest

import signednet
from conftest import FAKETIME_LIB, ask, describe, log_tail

NOERROR, NXDOMAIN = 0, 3


def why(k, r, text):
    return '%s\n--- reply:\n%s\n--- kresd log:\n%s' % (text, describe(r), log_tail(k))


def expect(k, r, rcode, ad):
    assert r.rcode() == rcode, why(k, r, 'rcode %d, expected %d' % (r.rcode(), rcode))
    assert bool(r.flags & dns.flags.AD) == ad, why(k, r, 'AD expected %s' % ad)


def ask_counted(net, k, name, rdtype='A'):
    """Ask; @return (reply, {server: queries it received meanwhile})."""
    before = net.counts()
    r = ask(k, name, rdtype)
    return r, net.upstream_since(before)


def proof_types(r):
    return {rr.rdtype for rr in r.authority}


def from_cache(net, k, name, rdtype, rcode, ad=True):
    r, upstream = ask_counted(net, k, name, rdtype)
    expect(k, r, rcode, ad)
    assert not upstream, why(k, r, '%s %s went upstream: %s' % (name, rdtype, upstream))
    return r


def asked_upstream(net, k, name, rdtype, rcode, ad):
    r, upstream = ask_counted(net, k, name, rdtype)
    expect(k, r, rcode, ad)
    assert upstream, why(k, r, '%s %s was answered without asking upstream' % (name, rdtype))
    return r


# --- NSEC ----------------------------------------------------------------------------

def test_nsec_nxdomain(resolver, net):
    """ec.lab. (NSEC): a. and b. (and a name below b.) lie in the NSEC span apex..cname."""
    k = resolver()
    expect(k, ask(k, 'a.ec.lab.'), NXDOMAIN, True)
    for name in ('b.ec.lab.', 'deep.b.ec.lab.', 'B.Ec.Lab.'):
        r = from_cache(net, k, name, 'A', NXDOMAIN)
        types = proof_types(r)
        assert dns.rdatatype.SOA in types and dns.rdatatype.NSEC in types, why(
            k, r, 'SOA and NSEC expected in the authority section')
        assert any(rr.rdtype == dns.rdatatype.RRSIG and rr.covers == dns.rdatatype.NSEC
                   for rr in r.authority), why(k, r, 'RRSIG of the NSEC expected')


def test_nsec_nodata(resolver, net):
    """www.ec.lab. AAAA NODATA upstream; MX at the same name from its cached NSEC."""
    k = resolver()
    expect(k, ask(k, 'www.ec.lab.', 'AAAA'), NOERROR, True)
    r = from_cache(net, k, 'www.ec.lab.', 'MX', NOERROR)
    assert not r.answer, why(k, r, 'NODATA expected')
    # The types the NSEC lists are not denied: asked upstream.
    asked_upstream(net, k, 'www.ec.lab.', 'TXT', NOERROR, True)


def test_nsec_not_covered(resolver, net):
    """Names outside the cached NSEC span (and existing names) are asked upstream."""
    k = resolver()
    expect(k, ask(k, 'a.ec.lab.'), NXDOMAIN, True)
    asked_upstream(net, k, 'nosuch-z.ec.lab.', 'A', NXDOMAIN, True)   # span x.ent..ns
    asked_upstream(net, k, 'www.ec.lab.', 'A', NOERROR, True)


def test_nsec_wildcard(resolver, net):
    """*.wild.ec.lab. A: the expansion to a.wild proves b.wild too (span *.wild..www)."""
    k = resolver()
    expect(k, ask(k, 'a.wild.ec.lab.'), NOERROR, True)
    r = from_cache(net, k, 'b.wild.ec.lab.', 'A', NOERROR)
    assert [rr for rr in r.answer if rr.rdtype == dns.rdatatype.A
            and rr.name == dns.name.from_text('b.wild.ec.lab.')], why(k, r, 'A expected')
    assert dns.rdatatype.NSEC in proof_types(r), why(k, r, 'the NSEC proof expected')


def test_insecure_zone_never_synthesized(resolver, net):
    """unsigned.lab.: every name is asked upstream, never AD."""
    k = resolver()
    expect(k, ask(k, 'a.unsigned.lab.'), NXDOMAIN, False)
    asked_upstream(net, k, 'b.unsigned.lab.', 'A', NXDOMAIN, False)


def test_off_switch(resolver, net):
    """cache.aggressive(false): covered names are asked upstream."""
    k = resolver('cache.aggressive(false)\n')
    expect(k, ask(k, 'a.ec.lab.'), NXDOMAIN, True)
    asked_upstream(net, k, 'b.ec.lab.', 'A', NXDOMAIN, True)


# --- NSEC3 ---------------------------------------------------------------------------

def covering(r, name):
    """The NSEC3 of reply r covering the hash of name (or None)."""
    for rr in r.authority:
        if rr.rdtype != dns.rdatatype.NSEC3:
            continue
        rd = rr[0]
        h = dns.dnssec.nsec3_hash(name, rd.salt, rd.iterations, rd.algorithm).lower()
        owner = rr.name.labels[0].decode().lower()
        nxt = rd.to_text().split()[4].lower()   # algorithm flags iterations salt next types
        if (owner < h < nxt) or (nxt <= owner and (h > owner or h < nxt)):
            return rr
    return None


def sibling_in_span(r, first, parent):
    """A name under parent whose hash the same NSEC3 covers as first's."""
    span = covering(r, first)
    assert span is not None, 'no NSEC3 covering %s in:\n%s' % (first, describe(r))
    for i in range(2000):
        cand = 'n%d.%s' % (i, parent)
        if cand != first and covering(r, cand) is span:
            return cand
    pytest.fail('no name found in the span of %s' % span.name)


def sibling_from_cache(resolver, net, first, parent, rcode):
    """
    Ask first (upstream), then a name under parent in the same NSEC3 span.
    @return (kresd, that name, its reply, which came from the cache).
    """
    k = resolver()
    r = ask(k, first)
    expect(k, r, rcode, True)
    name = sibling_in_span(r, first, parent)
    return k, name, from_cache(net, k, name, 'A', rcode)


def test_nsec3_nxdomain(resolver, net):
    """n3.wan. (NSEC3, no opt-out): another name whose hash lies in the same span."""
    k, name, r2 = sibling_from_cache(resolver, net, 'a.n3.wan.', 'n3.wan.', NXDOMAIN)
    assert dns.rdatatype.NSEC3 in proof_types(r2) and dns.rdatatype.SOA in proof_types(r2), why(
        k, r2, 'SOA and NSEC3 expected')
    # A name below it: the same closest encloser, the same next closer name.
    from_cache(net, k, 'deep.' + name, 'A', NXDOMAIN)


def test_nsec3_nodata(resolver, net):
    k = resolver()
    expect(k, ask(k, 'www.n3.wan.', 'AAAA'), NOERROR, True)
    r = from_cache(net, k, 'www.n3.wan.', 'MX', NOERROR)
    assert not r.answer, why(k, r, 'NODATA expected')


def test_nsec3_wildcard(resolver, net):
    k, _, r2 = sibling_from_cache(resolver, net, 'a.wild.n3.wan.', 'wild.n3.wan.', NOERROR)
    assert [rr for rr in r2.answer if rr.rdtype == dns.rdatatype.A], why(k, r2, 'A expected')


def test_nsec3_optout_not_synthesized(resolver, net):
    """bench. (NSEC3 opt-out): NXDOMAIN is insecure there, and always asked upstream."""
    k = resolver()
    expect(k, ask(k, 'a.bench.'), NXDOMAIN, False)
    asked_upstream(net, k, 'b.bench.', 'A', NXDOMAIN, False)


# --- time ------------------------------------------------------------------------------

def _set_clock(path, when):
    tmp = path.with_suffix('.tmp')
    tmp.write_text(time.strftime('@%Y-%m-%d %H:%M:%S\n', time.gmtime(when)))
    os.replace(tmp, path)


def test_expired_proofs_not_used(resolver, net, tmp_path):
    """
    The NSEC lives as long as the negative answer (SOA minimum, RFC 9077): with
    kresd's clock moved past it, a covered name is asked upstream again.
    """
    assert os.path.exists(FAKETIME_LIB), '%s not found (Debian package faketime)' % FAKETIME_LIB
    clock = tmp_path / 'faketime'
    start = time.time()
    _set_clock(clock, start)
    env = {'LD_PRELOAD': FAKETIME_LIB, 'FAKETIME_TIMESTAMP_FILE': str(clock),
           'FAKETIME_NO_CACHE': '1', 'FAKETIME_DONT_FAKE_MONOTONIC': '1', 'TZ': 'UTC',
           'ASAN_OPTIONS': 'detect_leaks=0:abort_on_error=0:exitcode=86:verify_asan_link_order=0'}
    k = resolver(env=env)
    expect(k, ask(k, 'a.ec.lab.'), NXDOMAIN, True)
    r = from_cache(net, k, 'b.ec.lab.', 'A', NXDOMAIN)
    ttls = {rr.ttl for rr in r.authority}
    assert max(ttls) <= signednet.fakenet.NEG_TTL, why(k, r, 'TTLs above the SOA minimum')
    _set_clock(clock, start + signednet.fakenet.NEG_TTL + 60)
    asked_upstream(net, k, 'c.ec.lab.', 'A', NXDOMAIN, True)

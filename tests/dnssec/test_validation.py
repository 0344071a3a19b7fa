# SPDX-License-Identifier: GPL-3.0-or-later
"""
kresd validating answers from the signed fake Internet (signednet.py), every
question asked over UDP with DO set. Expected results follow DNSSEC
(RFC 4033-4035, 5155, 6840, 9276), not what kresd does today; the tests that
fail today are listed in known-failures.txt.

  secure      NOERROR/NXDOMAIN with AD, the zone's data and its RRSIGs
  insecure    the zone's data, no AD, never SERVFAIL
  bogus       SERVFAIL; with CD=1 the data as served, without AD
"""
import os
import shutil
import subprocess
import time

import dns.dnssec
import dns.edns
import dns.flags
import dns.name
import dns.rcode
import dns.rdatatype
import dns.zone
import pytest

import signednet
from conftest import FAKETIME_LIB, ask, describe, has_rrsig, log_tail, rdata_texts

NOERROR, NXDOMAIN, SERVFAIL = dns.rcode.NOERROR, dns.rcode.NXDOMAIN, dns.rcode.SERVFAIL
WWW = signednet.www_addr
WILD = signednet.wild_addr


def has_denial(r):
    return any(rr.rdtype in (dns.rdatatype.NSEC, dns.rdatatype.NSEC3) for rr in r.authority)


def why(k, r, text):
    return '%s\n--- reply:\n%s\n--- kresd log (validation lines):\n%s' % (text, describe(r),
                                                                          log_tail(k))


def expect(k, r, rcode, ad, name=None, rdtype='A', data=None, rrsig=None, auth_rrsig=None):
    """
    Check a reply: rcode, AD, the data of (name, rdtype), an RRSIG covering
    type `rrsig` in the answer, one covering `auth_rrsig` in the authority section.
    """
    assert r.rcode() == rcode, why(k, r, 'rcode %s, expected %s' % (
        dns.rcode.to_text(r.rcode()), dns.rcode.to_text(rcode)))
    got_ad = bool(r.flags & dns.flags.AD)
    assert got_ad == ad, why(k, r, 'AD %s, expected %s' % (got_ad, ad))
    if data is not None:
        got = rdata_texts(r, name, rdtype)
        assert got == set(data), why(k, r, '%s %s: %s, expected %s' % (name, rdtype, got, data))
    if rrsig:
        assert has_rrsig(r.answer, rrsig), why(k, r, 'no RRSIG covering %s in the answer' % rrsig)
    if auth_rrsig:
        assert has_rrsig(r.authority, auth_rrsig), why(
            k, r, 'no RRSIG covering %s in the authority section' % auth_rrsig)


# --- the test bed itself -------------------------------------------------------

def test_signed_zones_verify(net, tmp_path):
    """
    The test bed itself: ldns-verify-zone says the good zones verify and each
    zone broken inside fails; a DS made wrong in the parent matches no DNSKEY of
    its child, a good one matches one.
    """
    tool = shutil.which('ldns-verify-zone')
    assert tool, 'ldns-verify-zone not found (Debian package ldnsutils)'
    problems = []
    for origin, z in net.zones.items():
        parent, alg, _, ds_kind = signednet.ZONES[origin]
        if alg is None:
            continue
        path = tmp_path / ((origin.rstrip('.') or 'root') + '.zone')
        path.write_text(z.text)
        res = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=30)
        broken_inside = origin in signednet.FAULTS and ds_kind == 'ok'
        if (res.returncode == 0) == broken_inside:
            problems.append('%s: ldns-verify-zone says %s' % (
                origin, (res.stdout + res.stderr).strip()[-300:] or 'verified'))
        if parent is None:
            continue
        name = dns.name.from_text(origin)
        pzone = dns.zone.from_text(net.zones[parent].text, origin=parent, relativize=False)
        dsset = pzone.get_rdataset(name, 'DS')
        keys = [key.dnskey for key in net.keys[origin]]
        matching = [ds for ds in dsset or [] for key in keys
                    if ds.digest_type in (1, 2, 4) and ds.algorithm == key.algorithm
                    and dns.dnssec.make_ds(name, key, ds.digest_type) == ds]
        if bool(matching) != (ds_kind == 'ok'):
            problems.append('%s: DS kind %s, DS matching a DNSKEY: %s' % (
                origin, ds_kind, matching))
    assert not problems, '\n'.join(problems)


# --- secure answers ---------------------------------------------------------------

POSITIVE = {
    'alg8-nsec': 'rsa.lab.', 'alg10-nsec': 'rsa512.lab.', 'alg13-nsec': 'ec.lab.',
    'alg14-nsec': 'p384.lab.', 'alg15-nsec': 'ed.lab.', 'alg16-nsec': 'ed448.lab.',
    'tld-alg13-nsec': 'lab.', 'tld-alg15-nsec3': 'wan.', 'tld-alg8-nsec3-optout': 'bench.',
    'alg13-nsec3': 'n3.wan.', 'secure-under-optout': 'sec.bench.',
    'nsec3-200-iterations': 'iter.wan.',
}


@pytest.mark.parametrize('zone', POSITIVE.values(), ids=POSITIVE.keys())
def test_secure_answer(resolver, zone):
    """www.<zone> A: AD, the zone's address and its RRSIG (a positive answer needs no NSEC3)."""
    k = resolver()
    name = 'www.' + zone
    expect(k, ask(k, name), NOERROR, True, name, 'A', [WWW(zone)], rrsig='A')


@pytest.mark.parametrize('name,rdtype', [('ec.lab.', 'DNSKEY'), ('ec.lab.', 'DS'),
                                         ('www.ec.lab.', 'TXT'), ('.', 'DNSKEY'),
                                         ('n3.wan.', 'DS')])
def test_secure_other_types(resolver, name, rdtype):
    k = resolver()
    r = ask(k, name, rdtype)
    expect(k, r, NOERROR, True, rrsig=rdtype)
    assert r.answer, why(k, r, 'empty answer')


NXDOMAIN_SECURE = {
    'root-nsec': 'nosuchtld.', 'tld-nsec': 'nosuch.lab.', 'alg13-nsec': 'nosuch.ec.lab.',
    'alg8-nsec': 'a.b.nosuch.rsa.lab.', 'tld-nsec3': 'nosuch.wan.', 'alg13-nsec3': 'nosuch.n3.wan.',
}


@pytest.mark.parametrize('name', NXDOMAIN_SECURE.values(), ids=NXDOMAIN_SECURE.keys())
def test_secure_nxdomain(resolver, name):
    k = resolver()
    r = ask(k, name)
    expect(k, r, NXDOMAIN, True, auth_rrsig='SOA')
    assert has_denial(r), why(k, r, 'no NSEC/NSEC3 in the authority section')


NODATA_SECURE = {
    'nsec': ('www.ec.lab.', 'AAAA'), 'nsec-empty-non-terminal': ('ent.rsa.lab.', 'A'),
    'nsec3': ('www.n3.wan.', 'AAAA'), 'nsec3-empty-non-terminal': ('ent.n3.wan.', 'A'),
    'nsec3-optout-zone': ('www.bench.', 'AAAA'), 'nsec-tld': ('www.lab.', 'MX'),
    'nsec-no-ds': ('unsigned.lab.', 'DS'), 'nsec3-no-ds': ('unsigned.wan.', 'DS'),
}


@pytest.mark.parametrize('name,rdtype', NODATA_SECURE.values(), ids=NODATA_SECURE.keys())
def test_secure_nodata(resolver, name, rdtype):
    k = resolver()
    r = ask(k, name, rdtype)
    expect(k, r, NOERROR, True, auth_rrsig='SOA')
    assert not r.answer, why(k, r, 'NODATA expected')
    assert has_denial(r), why(k, r, 'no NSEC/NSEC3 in the authority section')


WILDCARD = {
    'nsec': ('x.wild.ec.lab.', 'ec.lab.'), 'nsec-two-labels': ('a.b.wild.rsa.lab.', 'rsa.lab.'),
    'nsec3': ('x.wild.n3.wan.', 'n3.wan.'), 'alg15': ('x.wild.ed.lab.', 'ed.lab.'),
}


@pytest.mark.parametrize('name,zone', WILDCARD.values(), ids=WILDCARD.keys())
def test_secure_wildcard(resolver, name, zone):
    """An expansion of *.wild.<zone>: AD (needs the NSEC/NSEC3 proving the name absent)."""
    k = resolver()
    expect(k, ask(k, name), NOERROR, True, name, 'A', [WILD(zone)], rrsig='A')


@pytest.mark.parametrize('name', ['x.wild.ec.lab.', 'x.wild.n3.wan.'], ids=['nsec', 'nsec3'])
def test_secure_wildcard_nodata(resolver, name):
    """*.wild has A only: TXT of an expanded name is a NODATA proven by a wildcard proof."""
    k = resolver()
    r = ask(k, name, 'TXT')
    expect(k, r, NOERROR, True, auth_rrsig='SOA')
    assert not r.answer, why(k, r, 'NODATA expected')
    assert has_denial(r), why(k, r, 'no NSEC/NSEC3 in the authority section')


# --- insecure answers ---------------------------------------------------------------

INSECURE = {
    'no-ds-nsec': 'unsigned.lab.', 'no-ds-nsec3': 'unsigned.wan.',
    'no-ds-nsec3-optout': 'insec.bench.', 'unsigned-tld': 'plain.',
    'ds-unknown-algorithm': 'unknownalg.lab.', 'ds-unknown-digest': 'unknowndigest.lab.',
}


@pytest.mark.parametrize('zone', INSECURE.values(), ids=INSECURE.keys())
def test_insecure_answer(resolver, zone):
    k = resolver()
    name = 'www.' + zone
    expect(k, ask(k, name), NOERROR, False, name, 'A', [WWW(zone)])


def test_no_ds_in_optout_span(resolver):
    """insec.bench. DS: NODATA proven only by an opt-out NSEC3 covering it: insecure, no AD."""
    k = resolver()
    r = ask(k, 'insec.bench.', 'DS')
    expect(k, r, NOERROR, False)
    assert not r.answer, why(k, r, 'NODATA expected')


def test_insecure_nxdomain(resolver):
    k = resolver()
    expect(k, ask(k, 'nosuch.unsigned.lab.'), NXDOMAIN, False)


def test_nxdomain_in_optout_span(resolver):
    """NXDOMAIN in bench. (every NSEC3 opted out): answered, never SERVFAIL; AD not asked for."""
    k = resolver()
    r = ask(k, 'nosuch.bench.')
    assert r.rcode() == NXDOMAIN, why(k, r, 'NXDOMAIN expected')


@pytest.mark.parametrize('name,rdtype,rcode', [('nosuch.iter150.wan.', 'A', NXDOMAIN),
                                               ('www.iter150.wan.', 'AAAA', NOERROR)],
                         ids=['nxdomain', 'nodata'])
def test_nsec3_150_iterations(resolver, name, rdtype, rcode):
    """150 iterations: still within the limit (README of validate: > 150 is insecure), AD."""
    k = resolver()
    r = ask(k, name, rdtype)
    expect(k, r, rcode, True, auth_rrsig='SOA')
    assert has_denial(r), why(k, r, 'no NSEC3 in the authority section')


ITER = {
    'nxdomain': ('nosuch.iter.wan.', 'A', NXDOMAIN),
    'nodata': ('www.iter.wan.', 'AAAA', NOERROR),
    'wildcard': ('x.wild.iter.wan.', 'A', NOERROR),
}


@pytest.mark.parametrize('name,rdtype,rcode', ITER.values(), ids=ITER.keys())
def test_nsec3_too_many_iterations(resolver, name, rdtype, rcode):
    """NSEC3 with 200 iterations (> 150, RFC 9276): its proofs are insecure, not bogus."""
    k = resolver()
    r = ask(k, name, rdtype)
    data = [WILD('iter.wan.')] if name.startswith('x.wild') else None
    expect(k, r, rcode, False, name, rdtype, data)


# --- CNAME chains ------------------------------------------------------------------

CHAINS = {
    'in-zone': ('cname.ec.lab.', 'www.ec.lab.', NOERROR, True),
    'secure-to-secure': ('to-secure.ec.lab.', 'www.ed.lab.', NOERROR, True),
    'secure-to-secure-nsec3': ('to-nsec3.ec.lab.', 'www.n3.wan.', NOERROR, True),
    'secure-to-insecure': ('to-insecure.ec.lab.', 'www.unsigned.lab.', NOERROR, False),
    'insecure-to-secure': ('to-secure.plain.', 'www.ec.lab.', NOERROR, False),
    'secure-to-nxdomain': ('to-nxdomain.ec.lab.', None, NXDOMAIN, True),
    'secure-to-bogus': ('to-bogus.ec.lab.', None, SERVFAIL, False),
}


@pytest.mark.parametrize('name,target,rcode,ad', CHAINS.values(), ids=CHAINS.keys())
def test_cname_chain(resolver, name, target, rcode, ad):
    k = resolver()
    r = ask(k, name)
    data = None
    if target:
        data = [WWW(target.split('.', 1)[1])]
    expect(k, r, rcode, ad, target, 'A', data)
    if rcode != SERVFAIL:
        assert rdata_texts(r, name, 'CNAME'), why(k, r, 'no CNAME in the answer')


# --- bogus -------------------------------------------------------------------------

@pytest.mark.parametrize('zone', signednet.FAULTS.keys(),
                         ids=[z.split('.')[0] for z in signednet.FAULTS])
def test_bogus(resolver, net, zone):
    """SERVFAIL; CD=1 gives the data as served (no AD); without CD it is SERVFAIL again."""
    what, (name, rdtype) = signednet.FAULTS[zone]
    k = resolver()
    r = ask(k, name, rdtype)
    assert r.rcode() == SERVFAIL, why(k, r, '%s: SERVFAIL expected (%s)' % (zone, what))
    r = ask(k, name, rdtype, cd=True)
    if zone.startswith('badnsec'):
        expect(k, r, NXDOMAIN, False)
    else:
        served = {'tampered.lab.': '198.19.99.99'}.get(zone)
        addr = served or (WILD(zone) if '.wild.' in name else WWW(zone))
        expect(k, r, NOERROR, False, name, rdtype, [addr])
    r = ask(k, name, rdtype)
    assert r.rcode() == SERVFAIL, why(k, r, '%s: SERVFAIL expected after the CD query' % zone)


EDE_DNSSEC = {1, 2, 5, 6, 7, 8, 9, 10, 11, 12}   # RFC 8914 4.2-4.13: the DNSSEC codes


def test_bogus_extended_error(resolver):
    """A bogus answer's SERVFAIL carries an Extended DNS Error with a DNSSEC code (RFC 8914)."""
    k = resolver()
    missing = []
    for zone in ('expired.lab.', 'future.lab.', 'tampered.lab.', 'nosig.lab.',
                 'foreignkey.lab.', 'stripped.lab.', 'baddigest.lab.', 'badtag.lab.'):
        name, rdtype = signednet.FAULTS[zone][1]
        r = ask(k, name, rdtype)
        assert r.rcode() == SERVFAIL, why(k, r, '%s: SERVFAIL expected' % zone)
        codes = [o.code for o in r.options if o.otype == dns.edns.OptionType.EDE]
        if not set(codes) & EDE_DNSSEC:
            missing.append('%s: EDE codes %s' % (name, codes))
    assert not missing, 'no DNSSEC Extended DNS Error:\n' + '\n'.join(missing)


def test_negative_trust_anchor(resolver):
    """trust_anchors.negative: bogus domains under it resolve without AD; others unchanged."""
    k = resolver("trust_anchors.negative = {'expired.lab.', 'tampered.lab.'}\n")
    expect(k, ask(k, 'www.expired.lab.'), NOERROR, False, 'www.expired.lab.', 'A',
           [WWW('expired.lab.')])
    expect(k, ask(k, 'www.tampered.lab.'), NOERROR, False, 'www.tampered.lab.', 'A',
           ['198.19.99.99'])
    expect(k, ask(k, 'www.ec.lab.'), NOERROR, True, 'www.ec.lab.', 'A', [WWW('ec.lab.')])
    r = ask(k, 'www.nosig.lab.')
    assert r.rcode() == SERVFAIL, why(k, r, 'nosig.lab. is not under a negative anchor')


# --- flags -----------------------------------------------------------------------

def test_no_ad_no_rrsig_without_do(resolver):
    """No DO and no AD in the query: no AD, and no RRSIG (RFC 4035 3.2.1)."""
    k = resolver()
    r = ask(k, 'www.ec.lab.', do=False)
    expect(k, r, NOERROR, False, 'www.ec.lab.', 'A', [WWW('ec.lab.')])
    assert not any(rr.rdtype == dns.rdatatype.RRSIG for rr in r.answer + r.authority), why(
        k, r, 'RRSIG without DO')


def test_ad_flag_without_do(resolver):
    """AD in the query without DO (RFC 6840 5.7): AD on a secure answer, none on an insecure one."""
    k = resolver()
    expect(k, ask(k, 'www.ec.lab.', do=False, ad=True), NOERROR, True, 'www.ec.lab.', 'A',
           [WWW('ec.lab.')])
    expect(k, ask(k, 'www.unsigned.lab.', do=False, ad=True), NOERROR, False,
           'www.unsigned.lab.', 'A', [WWW('unsigned.lab.')])


def test_cd_on_secure_data(resolver):
    """CD=1 on a secure name: the data, and no AD (nothing was checked)."""
    k = resolver()
    expect(k, ask(k, 'www.ed.lab.', cd=True), NOERROR, False, 'www.ed.lab.', 'A',
           [WWW('ed.lab.')])


# --- the cache --------------------------------------------------------------------

CACHED = {
    'secure-answer': ('www.ec.lab.', 'A', NOERROR, True, 'A', None),
    'secure-nxdomain': ('nosuch.ec.lab.', 'A', NXDOMAIN, True, None, 'SOA'),
    'secure-nodata-nsec3': ('www.n3.wan.', 'AAAA', NOERROR, True, None, 'SOA'),
    'insecure-answer': ('www.unsigned.lab.', 'A', NOERROR, False, None, None),
}


@pytest.mark.parametrize('name,rdtype,rcode,ad,rrsig,auth_rrsig', CACHED.values(),
                         ids=CACHED.keys())
def test_cached(resolver, net, name, rdtype, rcode, ad, rrsig, auth_rrsig):
    """Asked twice: the same rcode, AD and RRSIGs, the second time without any upstream query."""
    k = resolver()
    expect(k, ask(k, name, rdtype), rcode, ad, rrsig=rrsig, auth_rrsig=auth_rrsig)
    before = net.counts()
    r = ask(k, name, rdtype)
    upstream = net.upstream_since(before)
    expect(k, r, rcode, ad, rrsig=rrsig, auth_rrsig=auth_rrsig)
    assert not upstream, why(k, r, 'second query went upstream: %s' % upstream)


@pytest.mark.parametrize('name,zone,proof', [('x.wild.ec.lab.', 'ec.lab.', 'NSEC'),
                                             ('x.wild.n3.wan.', 'n3.wan.', 'NSEC3')],
                         ids=['nsec', 'nsec3'])
def test_cached_wildcard_keeps_its_proof(resolver, net, name, zone, proof):
    """A wildcard expansion from the cache: still AD, with its NSEC/NSEC3 proof for the DO
    client (the proof is stored with it), and without any upstream query."""
    k = resolver()
    expect(k, ask(k, name), NOERROR, True, name, 'A', [WILD(zone)], rrsig='A', auth_rrsig=proof)
    before = net.counts()
    r = ask(k, name)
    upstream = net.upstream_since(before)
    expect(k, r, NOERROR, True, name, 'A', [WILD(zone)], rrsig='A', auth_rrsig=proof)
    assert any(rr.rdtype == dns.rdatatype.from_text(proof) for rr in r.authority), \
        why(k, r, 'no %s in the authority section' % proof)
    assert not upstream, why(k, r, 'second query went upstream: %s' % upstream)


def test_bogus_not_cached_as_good(resolver):
    """A bogus answer asked twice stays SERVFAIL."""
    k = resolver()
    for _ in range(2):
        r = ask(k, 'www.tampered.lab.')
        assert r.rcode() == SERVFAIL, why(k, r, 'SERVFAIL expected')


# --- the clock --------------------------------------------------------------------

def _set_clock(path, when):
    tmp = path.with_suffix('.tmp')
    tmp.write_text(time.strftime('@%Y-%m-%d %H:%M:%S\n', time.gmtime(when)))
    os.replace(tmp, path)


def test_signature_expires_in_cache(resolver, tmp_path):
    """
    shortsig.lab.: RRSIGs expire in an hour, www has TTL 86400. With kresd's clock
    (libfaketime) moved two hours on, the cached answer is no longer secure: the
    data asked again upstream has expired signatures, so SERVFAIL. A zone whose
    signatures are still valid keeps its AD.
    """
    assert os.path.exists(FAKETIME_LIB), '%s not found (Debian package faketime)' % FAKETIME_LIB
    clock = tmp_path / 'faketime'
    _set_clock(clock, time.time())
    env = {'LD_PRELOAD': FAKETIME_LIB, 'FAKETIME_TIMESTAMP_FILE': str(clock),
           'FAKETIME_NO_CACHE': '1', 'FAKETIME_DONT_FAKE_MONOTONIC': '1', 'TZ': 'UTC',
           'ASAN_OPTIONS': 'detect_leaks=0:abort_on_error=0:exitcode=86:verify_asan_link_order=0'}
    k = resolver(env=env)
    name = 'www.' + signednet.SHORT_TTL_ZONE
    expect(k, ask(k, name), NOERROR, True, name, 'A', [WWW(signednet.SHORT_TTL_ZONE)])
    expect(k, ask(k, 'www.ec.lab.'), NOERROR, True)
    _set_clock(clock, signednet.SHORT_EXPIRY + 3600)
    expect(k, ask(k, 'www.ec.lab.'), NOERROR, True)
    r = ask(k, name)
    assert r.rcode() == SERVFAIL, why(k, r, 'signatures expired an hour ago: SERVFAIL expected')


# --- forwarding ----------------------------------------------------------------------

FORWARDED = {
    'secure': ('www.ec.lab.', 'A', NOERROR, True),
    'secure-nsec3': ('www.n3.wan.', 'A', NOERROR, True),
    'secure-nxdomain': ('nosuch.ec.lab.', 'A', NXDOMAIN, True),
    'secure-nodata-nsec3': ('www.n3.wan.', 'AAAA', NOERROR, True),
    'insecure': ('www.unsigned.lab.', 'A', NOERROR, False),
    'chain-secure-to-secure': ('to-secure.ec.lab.', 'A', NOERROR, True),
    'chain-secure-to-insecure': ('to-insecure.ec.lab.', 'A', NOERROR, False),
    'bogus-expired': (signednet.FAULTS['expired.lab.'][1][0], 'A', SERVFAIL, False),
    'bogus-tampered': (signednet.FAULTS['tampered.lab.'][1][0], 'A', SERVFAIL, False),
}


@pytest.mark.parametrize('name,rdtype,rcode,ad', FORWARDED.values(), ids=FORWARDED.keys())
def test_forwarded(resolver, name, rdtype, rcode, ad):
    """
    policy.FORWARD to another resolver (a validating kresd, asked with CD as
    RFC 4035 4.9.2 says): the forwarder's answers, chains through several zones
    included, are validated as if resolved here.
    """
    upstream = resolver()
    k = resolver("policy.add(policy.all(policy.FORWARD('127.0.0.1@%d')))\n" % upstream.port)
    r = ask(k, name, rdtype)
    expect(k, r, rcode, ad)
    if rcode == NOERROR and rdtype == 'A':
        assert r.answer, why(k, r, 'empty answer')

# SPDX-License-Identifier: GPL-3.0-or-later
"""
The dns64 plugin with real queries against a kresd iterating to a fake
authoritative root (test_modules_fakeauth.py): synthesis for IPv4-only names,
none for names with AAAA, exclusions, CNAME chains, CD, reverse names.
"""
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.reversename

from conftest import make_query
from test_modules_fakeauth import fake_auth  # noqa: F401 (fixture)

RECORDS = [
    'v4only.lab. 600 IN A 192.0.2.1',
    'v4only.lab. 600 IN A 192.0.2.2',
    'dual.lab. 300 IN A 192.0.2.3',
    'dual.lab. 300 IN AAAA 2001:db8::3',
    'mapped.lab. 300 IN A 192.0.2.4',
    'mapped.lab. 300 IN AAAA ::ffff:192.0.2.4',
    'alias.lab. 300 IN CNAME v4only.lab.',
    'v6only.lab. 300 IN AAAA 2001:db8::6',
    'nothing.lab. 300 IN TXT "no addresses"',
    '44.3.2.1.in-addr.arpa. 300 IN PTR host.lab.',
]


def rdatas(r, rdtype='AAAA'):
    t = dns.rdatatype.from_text(rdtype)
    return sorted(rd.to_text() for rrset in r.answer if rrset.rdtype == t for rd in rrset)


def test_dns64_synthesis(kresd, fake_auth):
    auth = fake_auth(RECORDS, neg_ttl=120)
    k = kresd(auth.config() + "modules.load('dns64')\n", interactive=True)
    q, r = k.query('v4only.lab.', 'AAAA', use_edns=0)
    assert r.rcode() == dns.rcode.NOERROR
    assert rdatas(r) == ['64:ff9b::c000:201', '64:ff9b::c000:202']
    aaaa = [rrset for rrset in r.answer if rrset.rdtype == dns.rdatatype.AAAA][0]
    assert aaaa.name.to_text() == 'v4only.lab.'
    assert aaaa.ttl <= 120   # RFC 6147 5.1.7: at most the SOA minimum of the NODATA
    assert not r.authority and not r.flags & dns.flags.AD
    assert auth.asked('v4only.lab.', 'A') == 1
    # Again: the same answer, from the cache (no new upstream A or AAAA query).
    before = len(auth.queries)
    q, r = k.query('v4only.lab.', 'AAAA')
    assert rdatas(r) == ['64:ff9b::c000:201', '64:ff9b::c000:202']
    assert len(auth.queries) == before
    # A queries are left alone, and the cache holds no synthetic AAAA for them.
    q, r = k.query('v4only.lab.', 'A')
    assert rdatas(r, 'A') == ['192.0.2.1', '192.0.2.2'] and not rdatas(r)


def test_dns64_not_when_aaaa_exists(kresd, fake_auth):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + "modules.load('dns64')\n")
    q, r = k.query('dual.lab.', 'AAAA')
    assert rdatas(r) == ['2001:db8::3']
    assert auth.asked('dual.lab.', 'A') == 0
    q, r = k.query('v6only.lab.', 'AAAA')
    assert rdatas(r) == ['2001:db8::6']
    # No A either: the NODATA answer stands, with its SOA.
    q, r = k.query('nothing.lab.', 'AAAA')
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    assert [rr.rdtype for rr in r.authority] == [dns.rdatatype.SOA]
    # NXDOMAIN is not NODATA: nothing synthesised.
    q, r = k.query('absent.lab.', 'AAAA')
    assert r.rcode() == dns.rcode.NXDOMAIN and not r.answer


def test_dns64_excluded_and_prefix(kresd, fake_auth):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + "modules.load('dns64')\n"
              "dns64.config({prefix = '2001:db8:64::/96', exclude_subnets = {'::ffff:0:0/96', '2001:db8::/112'}})\n",
              interactive=True)
    # ::ffff:0:0/96 (RFC 6147 5.1.4) and a configured subnet count as no AAAA.
    q, r = k.query('mapped.lab.', 'AAAA')
    assert rdatas(r) == ['2001:db8:64::c000:204']
    q, r = k.query('dual.lab.', 'AAAA')
    assert rdatas(r) == ['2001:db8:64::c000:203']
    q, r = k.query('v6only.lab.', 'AAAA')
    assert rdatas(r) == []   # excluded, and no A to synthesise from
    # Only /96 prefixes; errors are Lua errors and keep the old prefix.
    assert 'error' in k.cli("dns64.config('2001:db8::/64')").lower()
    q, r = k.query('v4only.lab.', 'AAAA')
    assert rdatas(r) == ['2001:db8:64::c000:201', '2001:db8:64::c000:202']


def test_dns64_cname_chain(kresd, fake_auth):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + "modules.load('dns64')\n")
    q, r = k.query('alias.lab.', 'AAAA')
    assert r.rcode() == dns.rcode.NOERROR
    assert [rr.rdtype for rr in r.answer] == [dns.rdatatype.CNAME, dns.rdatatype.AAAA]
    assert r.answer[1].name.to_text() == 'v4only.lab.'
    assert rdatas(r) == ['64:ff9b::c000:201', '64:ff9b::c000:202']


def test_dns64_cd_and_default_off(kresd, fake_auth):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + "modules.load('dns64')\n")
    q = make_query('v4only.lab.', 'AAAA', want_dnssec=True)
    q.flags |= dns.flags.CD
    r = k.udp(q)
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    # Without the module: plain NODATA.
    k2 = kresd(auth.config())
    q, r = k2.query('v4only.lab.', 'AAAA')
    assert r.rcode() == dns.rcode.NOERROR and not r.answer


def test_dns64_reverse(kresd, fake_auth):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + "modules.load('dns64')\ndns64.config({rev_ttl = 77})\n")
    # 64:ff9b::102:32c = 64:ff9b::1.2.3.44
    name = dns.reversename.from_address('64:ff9b::1.2.3.44')
    q, r = k.query(name.to_text(), 'PTR')
    assert r.rcode() == dns.rcode.NOERROR
    assert [rr.rdtype for rr in r.answer] == [dns.rdatatype.CNAME, dns.rdatatype.PTR]
    assert r.answer[0].ttl == 77 and r.answer[0][0].target.to_text() == '44.3.2.1.in-addr.arpa.'
    assert r.answer[1][0].target.to_text() == 'host.lab.'
    # Outside the prefix: resolved as usual (NXDOMAIN here).
    name = dns.reversename.from_address('2001:db8::1')
    q, r = k.query(name.to_text(), 'PTR')
    assert r.rcode() == dns.rcode.NXDOMAIN and not r.answer

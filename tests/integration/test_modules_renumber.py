# SPDX-License-Identifier: GPL-3.0-or-later
"""
The renumber plugin with real queries against a kresd iterating to a fake
authoritative root (test_modules_fakeauth.py): addresses inside a source
prefix keep their host bits and take the target's prefix bits.
"""
import dns.flags
import dns.rcode
import dns.rdatatype

from test_modules_fakeauth import fake_auth  # noqa: F401 (fixture)

RECORDS = [
    'a.lab. 300 IN A 1.2.3.4',
    'a.lab. 300 IN A 192.0.2.1',
    'many.lab. 300 IN A 1.2.3.200',
    'many.lab. 300 IN A 1.2.4.200',
    'v6.lab. 300 IN AAAA 2001:db8:1::5',
    'v6.lab. 300 IN AAAA 2001:db7::5',
    'alias.lab. 300 IN CNAME a.lab.',
    'other.lab. 300 IN A 198.51.100.7',
    'one.lab. 300 IN A 203.0.113.77',
    'text.lab. 300 IN TXT "1.2.3.4"',
]


def rdatas(r, rdtype='A'):
    t = dns.rdatatype.from_text(rdtype)
    return sorted(rd.to_text() for rrset in r.answer if rrset.rdtype == t for rd in rrset)


def test_renumber_config(kresd, fake_auth):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + "modules.load('renumber')\n"
              "renumber.config({{'1.2.3.0/24', '4.5.6.0'}, {'2001:db8::/32', '2001:db9::'},"
              " {'203.0.113.0/24', '192.0.2.99!'}})\n")
    for _ in range(2):   # the second time from the cache: rewritten again
        q, r = k.query('a.lab.', 'A')
        assert r.rcode() == dns.rcode.NOERROR
        assert rdatas(r) == ['192.0.2.1', '4.5.6.4']
        assert not r.flags & dns.flags.AD
    assert auth.asked('a.lab.', 'A') == 1
    q, r = k.query('many.lab.', 'A')
    assert rdatas(r) == ['1.2.4.200', '4.5.6.200']
    q, r = k.query('v6.lab.', 'AAAA', use_edns=0)
    assert r.rcode() == dns.rcode.NOERROR and r.edns == 0   # OPT kept
    assert rdatas(r, 'AAAA') == ['2001:db7::5', '2001:db9:1::5']
    # A CNAME chain stays, its end is rewritten; the question keeps the client's case.
    q, r = k.query('ALIAS.lab.', 'A')
    assert r.question[0].name.to_text() == 'ALIAS.lab.'
    assert [rrset.rdtype for rrset in r.answer] == [dns.rdatatype.CNAME, dns.rdatatype.A]
    assert rdatas(r) == ['192.0.2.1', '4.5.6.4']
    # One address for the whole prefix.
    q, r = k.query('one.lab.', 'A')
    assert rdatas(r) == ['192.0.2.99']
    # Addresses outside the prefixes, other types and negative answers are left alone.
    q, r = k.query('other.lab.', 'A')
    assert rdatas(r) == ['198.51.100.7']
    q, r = k.query('text.lab.', 'TXT')
    assert r.answer[0][0].to_text() == '"1.2.3.4"'
    q, r = k.query('nothing.lab.', 'A')
    assert r.rcode() == dns.rcode.NXDOMAIN
    q, r = k.query('a.lab.', 'A', proto='tcp')
    assert rdatas(r) == ['192.0.2.1', '4.5.6.4']


def test_renumber_declarative(kresd, fake_auth):
    """modules = { renumber = {...} } as in Knot Resolver 5's documentation."""
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + "modules = { renumber = { {'1.2.3.0/24', '10.9.8.0'} } }\n", interactive=True)
    q, r = k.query('a.lab.', 'A')
    assert rdatas(r) == ['10.9.8.4', '192.0.2.1']
    q, r = k.query('v6.lab.', 'AAAA')
    assert rdatas(r, 'AAAA') == ['2001:db7::5', '2001:db8:1::5']
    # Reconfiguration replaces the rules; bad rules are errors and change nothing.
    out = k.cli("pcall(renumber.config, {{'1.2.3.0/24', '2001:db8::'}})")
    assert 'false' in out
    k.cli("renumber.config({{'1.2.0.0/16', '7.7.0.0'}})")
    q, r = k.query('a.lab.', 'A')
    assert rdatas(r) == ['192.0.2.1', '7.7.3.4']
    k.cli("renumber.config({})")
    q, r = k.query('a.lab.', 'A')
    assert rdatas(r) == ['1.2.3.4', '192.0.2.1']


def test_renumber_not_loaded(kresd, fake_auth):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config())
    q, r = k.query('a.lab.', 'A')
    assert rdatas(r) == ['1.2.3.4', '192.0.2.1']

# SPDX-License-Identifier: GPL-3.0-or-later
"""
The rebinding plugin with real queries against a kresd iterating to a fake
authoritative root (test_modules_fakeauth.py), placed 'rebinding < iterate'.
"""
import dns.rcode
import dns.rdatatype

from test_modules_fakeauth import fake_auth  # noqa: F401 (fixture)

RECORDS = [
    'public.lab. 300 IN A 192.0.2.1',
    'inside.lab. 300 IN A 10.0.0.1',
    'loop6.lab. 300 IN AAAA ::1',
    'ula.lab. 300 IN AAAA fd00::1',
    'alias.lab. 300 IN CNAME inside.lab.',
]


def test_rebinding(kresd, fake_auth):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + "modules = { 'rebinding < iterate' }\n"
              "hints['router.lan'] = '192.168.1.1'\n", interactive=True)
    order = k.cli('table.concat(modules.list(), " ")').split()
    assert order.index('rebinding') < order.index('iterate')
    q, r = k.query('public.lab.', 'A')
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].to_text() == '192.0.2.1'
    for name, rdtype in (('inside.lab.', 'A'), ('loop6.lab.', 'AAAA'), ('ula.lab.', 'AAAA'),
                         ('alias.lab.', 'A')):
        q, r = k.query(name, rdtype, use_edns=0)
        assert r.rcode() == dns.rcode.REFUSED, (name, r.to_text())
        assert not r.answer
        txt = [rr for rr in r.additional if rr.rdtype == dns.rdatatype.TXT]
        assert txt and 'rebinding' in txt[0][0].to_text()
    # Again: still refused, and nothing of a refused answer went into the cache.
    q, r = k.query('inside.lab.', 'A')
    assert r.rcode() == dns.rcode.REFUSED
    cached = "next(cache.get('%s') or {}) ~= nil"
    for name in ('inside.lab', 'loop6.lab', 'ula.lab', 'alias.lab'):
        assert k.cli(cached % name) == 'false\n', name
    assert k.cli(cached % 'public.lab') == 'true\n'
    # Local data is not upstream data: hints answer private addresses.
    q, r = k.query('router.lan.', 'A')
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].to_text() == '192.168.1.1'
    q, r = k.query('localhost.', 'A')
    assert r.rcode() == dns.rcode.NOERROR


def test_rebinding_not_loaded(kresd, fake_auth):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config())
    q, r = k.query('inside.lab.', 'A')
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].to_text() == '10.0.0.1'

# SPDX-License-Identifier: GPL-3.0-or-later
"""
The workarounds plugin with real queries against a kresd iterating to a fake
authoritative root (test_modules_fakeauth.py), which records the letter case
of every query name it gets: for domains on the built-in or configured
no-0x20 lists the names go out in lower case, for others with random case.
"""
import dns.name
import dns.rcode

from test_modules_fakeauth import fake_auth  # noqa: F401 (fixture)

LONG = 'abcdefghijklmnopqrstuvwxyzabcdefghij'   # 36 letters: all-lowercase by chance ~2^-32
RECORDS = [
    LONG + '.avqs.mcafee.com. 300 IN A 192.0.2.1',
    LONG + '.brokencase.lab. 300 IN A 192.0.2.2',
    LONG + '.fine.lab. 300 IN A 192.0.2.3',
    LONG + '.other.lab. 300 IN A 192.0.2.4',
]


def sent(auth, under):
    """Query names (as sent, with their letter case) at or below `under`."""
    zone = dns.name.from_text(under)
    return [q.question[0].name.to_text() for q in auth.queries if q.question[0].name.is_subdomain(zone)]


def check(k, auth, name, address, lower):
    q, r = k.query(name, 'A')
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].to_text() == address
    zone = name.split('.', 1)[1]
    names = sent(auth, zone)
    assert names
    if lower:
        assert all(n == n.lower() for n in names), names
    else:
        assert any(n != n.lower() for n in names), names


def test_workarounds(kresd, fake_auth):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config() + "modules = { 'workarounds < iterate' }\n"
              "workarounds.config({ no_0x20 = { 'BrokenCase.lab' } })\n", interactive=True)
    order = k.cli('table.concat(modules.list(), " ")').split()
    assert order.index('workarounds') < order.index('iterate')
    # Built-in list; the client's upper case is not sent either.
    check(k, auth, LONG.upper() + '.avqs.mcafee.COM.', '192.0.2.1', lower=True)
    # Configured list.
    check(k, auth, LONG + '.brokencase.lab.', '192.0.2.2', lower=True)
    # Other names keep 0x20.
    check(k, auth, LONG + '.fine.lab.', '192.0.2.3', lower=False)
    # Reconfiguration replaces the configured list.
    k.cli("workarounds.config({ no_0x20 = { 'other.lab' } })")
    check(k, auth, LONG + '.other.lab.', '192.0.2.4', lower=True)
    out = k.cli("pcall(workarounds.config, { no_0x20 = 3 })")
    assert 'false' in out


def test_workarounds_not_loaded(kresd, fake_auth):
    auth = fake_auth(RECORDS)
    k = kresd(auth.config())
    check(k, auth, LONG + '.avqs.mcafee.com.', '192.0.2.1', lower=False)

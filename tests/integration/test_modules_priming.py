# SPDX-License-Identifier: GPL-3.0-or-later
"""
The priming module (RFC 8109) against fake authoritative root servers
(test_modules_fakeauth.py): stale root hints are replaced by the root NS set
and its addresses at start, again when the NS TTL runs out, and no more once
the module is unloaded.
"""
import time

import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

from test_control import ask, control_path
from test_modules_fakeauth import fake_auth  # noqa: F401 (fixture)


def set_root_ns(auth, ttl, *names):
    auth.rrsets[(dns.name.root, dns.rdatatype.NS)] = dns.rrset.from_text('.', ttl, 'IN', 'NS', *names)


def root_hints(k):
    """hints.root() as {name: sorted addresses}, read over the control socket."""
    out = ask(control_path(k), "(function () local t = {} for n, a in pairs(hints.root()) do "
                               "t[#t + 1] = n .. '\\t' .. table.concat(a, ' ') end "
                               "return table.concat(t, '\\n') end)()\n")
    hints = {}
    for line in out.splitlines():
        name, _, addrs = line.partition('\t')
        hints[name] = sorted(addrs.split())
    return hints


def wait_for(cond, timeout=10.0, what='condition'):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, 'timed out waiting for ' + what
        time.sleep(0.05)


def test_priming_replaces_stale_hints_and_refreshes(kresd, fake_auth):
    b = fake_auth([])
    a = fake_auth(['www.lab. 300 IN A 192.0.2.1'])
    a.add(['a.root-servers.net. 300 IN A %s' % a.address,
           'b.root-servers.net. 300 IN A %s' % b.address,
           'b.root-servers.net. 300 IN AAAA 2001:db8::53'])
    set_root_ns(a, 3, 'a.root-servers.net.', 'b.root-servers.net.')
    b.rrsets, b.names = a.rrsets, a.names   # two servers of one root zone
    # Stale hints: the real server a plus one that no longer exists.
    k = kresd("modules.load('priming')\n"
              "hints.root({['a.root-servers.net.'] = '%s', ['old.root.'] = '198.18.99.99'})\n" % a.address)
    wait_for(lambda: 'b.root-servers.net.' in root_hints(k), what='priming')
    assert root_hints(k) == {'a.root-servers.net.': [a.address],
                             'b.root-servers.net.': sorted([b.address, '2001:db8::53'])}
    assert '[priming] root hints updated: 2 servers, 3 addresses' in k.stderr()
    assert ask(control_path(k), 'priming.count\n').strip() == '1'
    # The NS TTL is 3 s (the module waits at least 5 s): the root is asked again and a
    # changed NS set replaces the hints.
    a.add(['c.root-servers.net. 300 IN A 198.18.7.250'])
    set_root_ns(a, 3, 'a.root-servers.net.', 'c.root-servers.net.')
    asked = a.asked('.', 'NS') + b.asked('.', 'NS')
    wait_for(lambda: 'c.root-servers.net.' in root_hints(k), timeout=10, what='the second priming')
    assert a.asked('.', 'NS') + b.asked('.', 'NS') == asked + 1
    assert root_hints(k) == {'a.root-servers.net.': [a.address], 'c.root-servers.net.': ['198.18.7.250']}
    # Resolution goes on from the primed hints.
    q, r = k.query('www.lab.', 'A')
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].to_text() == '192.0.2.1'
    # Unloaded: no more priming queries.
    assert ask(control_path(k), "modules.unload('priming')\n").strip() == 'true'
    asked = a.asked('.', 'NS') + b.asked('.', 'NS')
    time.sleep(6)
    assert a.asked('.', 'NS') + b.asked('.', 'NS') == asked


def test_priming_failure_keeps_the_hints(kresd, fake_auth):
    """A root that answers without NS addresses anyone can find: hints stay, retried later."""
    a = fake_auth([])
    set_root_ns(a, 300, 'nowhere.lab.')
    k = kresd("modules = { priming = { retry = 1 * sec } }\n"
              "hints.root({['a.root-servers.net.'] = '%s'})\n" % a.address)
    wait_for(lambda: a.asked('.', 'NS') >= 2, what='a retry')
    assert root_hints(k) == {'a.root-servers.net.': [a.address]}
    assert '[priming] no address of any root server found; retrying in 1 s' in k.stderr()
    assert ask(control_path(k), 'priming.count\n').strip() == '0'


def test_priming_config_errors(kresd):
    k = kresd("modules.load('priming')\n")
    out = ask(control_path(k), "priming.config({nope = 1})\n")
    assert out.startswith('error:') and 'nope' in out
    assert ask(control_path(k), "priming.config({retry = 2 * sec}) or priming.retry\n").strip() == '2000'

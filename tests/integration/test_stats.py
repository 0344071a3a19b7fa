# SPDX-License-Identifier: GPL-3.0-or-later
"""
The stats plugin: counters equal what the test sent and received. kresd's own
readiness query is counted too, so the test compares with a snapshot taken
after start-up.
"""
import dns.flags
import dns.rcode

from conftest import make_query


CONFIG = """\
modules.load('stats')
modules.load('policy')
hints['www.lab'] = '192.0.2.1'
policy.add(policy.suffix(policy.DENY, {todname('bad.lab')}))
policy.add(policy.suffix(policy.REFUSE, {todname('refused.lab')}))
policy.add(policy.suffix(policy.TC, {todname('tc.lab')}))
policy.add(policy.suffix(policy.NO_ANSWER, {todname('quiet.lab')}))
"""


def stats(k, prefix=''):
    lines = k.cli("for key, v in pairs(stats.list('%s')) do print(key .. '=' .. tostring(v)) end" % prefix)
    result = {}
    for line in lines.splitlines():
        if '=' in line:
            key, v = line.rsplit('=', 1)
            result[key.strip('> ')] = float(v)
    return result


def delta(after, before):
    return {key: after[key] - before.get(key, 0) for key in after if after[key] - before.get(key, 0)}


def test_counters(kresd, fake_upstream):
    up = fake_upstream()
    k = kresd(CONFIG + "policy.add(policy.suffix(policy.FORWARD('127.0.0.1@%d'), {todname('fwd.lab')}))\n"
              % up.port, interactive=True)
    before = stats(k)
    for _ in range(3):
        q, r = k.query('www.lab.', 'A', use_edns=0)        # NOERROR, answered by hints
        assert r.rcode() == dns.rcode.NOERROR
    q, r = k.query('www.lab.', 'AAAA', proto='tcp')         # NODATA over TCP
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    q, r = k.query('x.bad.lab.', 'A', want_dnssec=True)    # NXDOMAIN, DO
    assert r.rcode() == dns.rcode.NXDOMAIN
    q, r = k.query('refused.lab.', 'A')
    assert r.rcode() == dns.rcode.REFUSED
    q, r = k.query('tc.lab.', 'A')
    assert r.flags & dns.flags.TC
    assert k.raw_udp(make_query('quiet.lab.', 'A').to_wire(), timeout=0.5) is None
    q, r = k.query('a.fwd.lab.', 'A')                       # one upstream query over UDP
    assert r.rcode() == dns.rcode.NOERROR and len(up.queries) == 1
    d = delta(stats(k), before)
    expect = {
        'request.total': 9, 'request.udp': 8, 'request.tcp': 1,
        'query.edns': 4, 'query.dnssec': 1,
        # quiet.lab got no answer; tc.lab's empty TC answer is a NODATA.
        'answer.total': 8, 'answer.noerror': 4, 'answer.nodata': 2, 'answer.nxdomain': 1,
        'answer.refused': 1,
        'answer.aa': 1,   # policy's DENY; hints answer without AA, as Knot Resolver
        'answer.tc': 1, 'answer.rd': 8, 'answer.ra': 8,
        'answer.edns0': 4, 'answer.do': 1,
        'answer.cached': 7,   # local data (hints, policy) counts as cached, as in Knot Resolver
        'upstream.udp': 1, 'upstream.ipv4': 1,
    }
    latency = sum(d.pop(key, 0) for key in ('answer.1ms', 'answer.10ms', 'answer.50ms', 'answer.100ms',
                                            'answer.250ms', 'answer.500ms', 'answer.1000ms',
                                            'answer.1500ms', 'answer.slow'))
    d.pop('answer.sum_ms', None)
    assert latency == 8
    assert d == expect
    # get/set, user keys, frequent names, upstream RTTs.
    out = k.cli("stats.set('user.widgets', 5) print(stats.get('user.widgets'), stats.get('answer.total') - %d, stats.get('no.such') == nil)"
                % before['answer.total'])
    assert out.split()[-3:] == ['5', '8', 'true'], out
    out = k.cli("local f = stats.frequent() print(f[1].name, f[1].type, f[1].count)")
    assert out.split()[-3:] == ['www.lab.', 'A', '3'], out
    out = k.cli("for a, l in pairs(stats.upstreams()) do print(a, #l) end")
    assert ('127.0.0.1#%d' % up.port, '1') in [tuple(line.split()) for line in out.splitlines()], out

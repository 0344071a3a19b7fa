# SPDX-License-Identifier: GPL-3.0-or-later
"""
The policy plugin with real queries: DENY, DENY_MSG, REFUSE, DROP, NO_ANSWER,
TC, PASS, ANSWER, REROUTE, QTRACE, answer-phase rules, policy.del, RPZ files,
and FORWARD/STUB to a fake upstream server on loopback.
Names answered locally come from the hints plugin (loaded by default).
"""
import socket
import time

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from conftest import make_query


def addresses(r):
    return sorted(rd.to_text() for rrset in r.answer for rd in rrset)


def policy_config(*rules, hints=None):
    lines = ["modules.load('policy')"]
    for name, addr in (hints or {}).items():
        lines.append("hints['%s'] = '%s'" % (name, addr))
    lines += list(rules)
    return '\n'.join(lines) + '\n'


def ede_codes(r):
    return [o.code for o in r.options if o.otype == dns.edns.EDE]


def test_deny(kresd):
    k = kresd(policy_config("policy.add(policy.suffix(policy.DENY, {todname('bad.lab.')}))"))
    for name in ('bad.lab.', 'www.Deep.bad.lab.'):
        q, r = k.query(name, 'A', use_edns=0)
        assert r.rcode() == dns.rcode.NXDOMAIN
        assert r.flags & dns.flags.AA and r.flags & dns.flags.RA and not r.flags & dns.flags.AD
        assert not r.answer
        assert len(r.authority) == 1
        soa = r.authority[0]
        assert soa.rdtype == dns.rdatatype.SOA and soa.name.to_text() == 'bad.lab.'
        assert r.question[0].name.to_text() == name   # the client's spelling
        assert ede_codes(r) == [15]
    # Without EDNS, no OPT and so no EDE; a sibling name is not blocked.
    q, r = k.query('bad.lab.', 'AAAA', proto='tcp')
    assert r.rcode() == dns.rcode.NXDOMAIN and r.edns < 0
    q, r = k.query('notbad.lab.', 'A')
    assert r.rcode() != dns.rcode.NXDOMAIN or not r.authority or r.authority[0].name.to_text() != 'bad.lab.'


def test_deny_msg_refuse_drop(kresd):
    k = kresd(policy_config(
        "policy.add(policy.suffix(policy.DENY_MSG('blocked by the lab'), {todname('msg.lab.')}))",
        "policy:add(policy.suffix(policy.REFUSE, policy.todnames({'refuse.lab', 'refuse2.lab'})))",
        "policy.add(policy.suffix(policy.DROP, {todname('drop.lab')}))"))
    q, r = k.query('x.msg.lab.', 'A', use_edns=0)
    assert r.rcode() == dns.rcode.NXDOMAIN
    txt = [rr for rr in r.additional if rr.rdtype == dns.rdatatype.TXT]
    assert len(txt) == 1 and txt[0].name.to_text() == 'x.msg.lab.'
    assert txt[0][0].strings == (b'blocked by the lab',)
    for name in ('refuse.lab.', 'a.refuse2.lab.'):
        q, r = k.query(name, 'A')
        assert r.rcode() == dns.rcode.REFUSED and not r.answer and not r.authority
    # DROP answers SERVFAIL, as Knot Resolver's DROP does.
    q, r = k.query('drop.lab.', 'A')
    assert r.rcode() == dns.rcode.SERVFAIL


def test_no_answer(kresd):
    """NO_ANSWER (and RPZ rpz-drop) send nothing at all; kresd goes on serving."""
    k = kresd(policy_config("policy.add(policy.suffix(policy.NO_ANSWER, {todname('quiet.lab')}))",
                            hints={'after.lab': '192.0.2.3'}))
    assert k.raw_udp(make_query('quiet.lab.', 'A').to_wire(), timeout=1.0) is None
    with k.tcp_connect() as s:
        from conftest import frame, tcp_read_msg
        s.sendall(frame(make_query('quiet.lab.', 'A', qid=1).to_wire()) +
                  frame(make_query('after.lab.', 'A', qid=2).to_wire()))
        r = dns.message.from_wire(tcp_read_msg(s))
        assert r.id == 2 and addresses(r) == ['192.0.2.3']
    q, r = k.query('after.lab.', 'A')
    assert addresses(r) == ['192.0.2.3']


def test_tc(kresd):
    k = kresd(policy_config("policy.add(policy.suffix(policy.TC, {todname('tc.lab')}))",
                            hints={'tc.lab': '192.0.2.4'}))
    q, r = k.query('tc.lab.', 'A')
    assert r.flags & dns.flags.TC and r.rcode() == dns.rcode.NOERROR and not r.answer
    q, r = k.query('tc.lab.', 'A', proto='tcp')
    assert not r.flags & dns.flags.TC and addresses(r) == ['192.0.2.4']


def test_pass_suffix_pattern(kresd):
    """The Deckard scenario module_policy_pass_deny with local answers: PASS by pattern first."""
    k = kresd(policy_config(
        "policy:add(policy.pattern(policy.PASS, todname('dummy.example.cz')))",
        "policy:add(policy.suffix(policy.DENY, {todname('example.cz')}))",
        "policy.add(policy.pattern(policy.REFUSE, '^\\2w[%d]+%z?'))",
        hints={'dummy.example.cz': '9.10.11.12', 'fake.example.cz': '5.6.7.8',
               'w1.lab': '192.0.2.1', 'wx.lab': '192.0.2.2'}))
    q, r = k.query('fake.example.cz.', 'A')
    assert r.rcode() == dns.rcode.NXDOMAIN and r.flags & dns.flags.AA and not r.answer
    q, r = k.query('dummy.example.cz.', 'A')
    assert r.rcode() == dns.rcode.NOERROR and addresses(r) == ['9.10.11.12']
    # Matching is case-insensitive: the pattern sees the lower-cased wire name.
    q, r = k.query('DUMMY.example.CZ.', 'A')
    assert addresses(r) == ['9.10.11.12']
    q, r = k.query('w1.lab.', 'A')
    assert r.rcode() == dns.rcode.REFUSED
    q, r = k.query('wx.lab.', 'A')
    assert addresses(r) == ['192.0.2.2']


def test_all_and_del(kresd):
    k = kresd(policy_config(hints={'www.lab': '192.0.2.1'}), interactive=True)
    k.cli("r1 = policy.add(policy.all(policy.DENY))")
    q, r = k.query('www.lab.', 'A')
    assert r.rcode() == dns.rcode.NXDOMAIN and r.authority[0].name.to_text() == '.'
    out = k.cli("print(policy.del(r1.id), policy.del(r1), #policy.list())")
    assert out.split() == ['true', 'false', '0'], out
    q, r = k.query('www.lab.', 'A')
    assert addresses(r) == ['192.0.2.1']
    # Ids are never reused; list() shows rules in order with their hit counts.
    k.cli("r2 = policy.add(policy.suffix(policy.REFUSE, {todname('lab')}))")
    k.query('www.lab.', 'A')
    out = k.cli("local l = policy.list() print(r2.id, l[1].id, l[1].filter, l[1].action, l[1].count)")
    assert out.split() == ['2', '2', 'suffix', 'refuse', '1'], out


def test_answer_reroute_postrule(kresd):
    k = kresd(policy_config(
        "policy.add(policy.suffix(policy.ANSWER({[kres.type.A] = {rdata = '\\192\\0\\2\\77', ttl = 42}}, true),"
        " {todname('local.lab')}))",
        "policy.add(policy.suffix(policy.REROUTE({{'192.0.2.0/24', '198.51.100.0'}}), {todname('rr.lab')}))",
        "policy.add(policy.suffix(policy.DENY, {todname('post.lab')}), true)",
        hints={'rr.lab': '192.0.2.7', 'post.lab': '192.0.2.8', 'other.lab': '192.0.2.9'}))
    q, r = k.query('local.lab.', 'A')
    assert addresses(r) == ['192.0.2.77'] and r.answer[0].ttl == 42 and r.flags & dns.flags.AA
    q, r = k.query('local.lab.', 'AAAA')   # nodata = true
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    assert r.authority[0].rdtype == dns.rdatatype.SOA
    q, r = k.query('rr.lab.', 'A')
    assert addresses(r) == ['198.51.100.7']
    # An answer-phase rule sees the name after resolution (hints answered it).
    q, r = k.query('post.lab.', 'A')
    assert r.rcode() == dns.rcode.NXDOMAIN and not r.answer
    q, r = k.query('other.lab.', 'A')
    assert addresses(r) == ['192.0.2.9']


def test_qtrace(kresd):
    """DEBUG_ALWAYS logs the request's debug lines without verbose()."""
    k = kresd(policy_config("policy.add(policy.suffix(policy.DEBUG_ALWAYS, {todname('trace.lab')}))",
                            hints={'trace.lab': '192.0.2.5', 'quiet.lab': '192.0.2.6'}))
    k.query('quiet.lab.', 'A')
    q, r = k.query('trace.lab.', 'A')
    assert addresses(r) == ['192.0.2.5']   # non-terminal: resolution goes on
    time.sleep(0.2)
    err = k.stderr()
    assert 'trace.lab.: rule 1 matched, action trace' in err, err
    assert 'quiet.lab' not in err


RPZ = """\
$TTL 300
@ SOA localhost. root.localhost. 1 3600 1200 604800 60
  NS  localhost.
bad.lab          CNAME .
*.bad.lab        CNAME .
nodata.lab       CNAME *.
ok.bad.lab       CNAME rpz-passthru.
drop.lab         CNAME rpz-drop.
local.lab        A 192.0.2.77
local.lab        TXT "local data"
*.wild.lab       AAAA 2001:db8::77
"""


def test_rpz(kresd, tmp_path):
    path = tmp_path / 'block.rpz'
    path.write_text(RPZ)
    k = kresd(policy_config("policy.add(policy.rpz(policy.DENY, '%s'))" % path,
                            hints={'ok.bad.lab': '192.0.2.1', 'nodata.lab': '192.0.2.2',
                                   'fine.lab': '192.0.2.3'}))
    for name in ('bad.lab.', 'x.y.bad.lab.'):
        q, r = k.query(name, 'A')
        assert r.rcode() == dns.rcode.NXDOMAIN and not r.answer, name
    q, r = k.query('nodata.lab.', 'A')
    assert r.rcode() == dns.rcode.NOERROR and not r.answer and r.authority
    q, r = k.query('ok.bad.lab.', 'A')
    assert addresses(r) == ['192.0.2.1']
    assert k.raw_udp(make_query('drop.lab.', 'A').to_wire(), timeout=0.7) is None
    q, r = k.query('local.lab.', 'A')
    assert addresses(r) == ['192.0.2.77'] and r.answer[0].name.to_text() == 'local.lab.'
    q, r = k.query('local.lab.', 'TXT')
    assert [rd.strings for rd in r.answer[0]] == [(b'local data',)]
    q, r = k.query('local.lab.', 'MX')
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    q, r = k.query('a.b.wild.lab.', 'AAAA')
    assert addresses(r) == ['2001:db8::77'] and r.answer[0].name.to_text() == 'a.b.wild.lab.'
    q, r = k.query('fine.lab.', 'A')
    assert addresses(r) == ['192.0.2.3']


def test_rpz_watch(kresd, tmp_path):
    path = tmp_path / 'watch.rpz'
    path.write_text('one.lab CNAME .\n')
    k = kresd(policy_config("policy.add(policy.rpz(policy.REFUSE, '%s', true))" % path))
    assert k.query('one.lab.', 'A')[1].rcode() == dns.rcode.REFUSED
    time.sleep(0.05)
    path.write_text('two.lab CNAME .\n')
    deadline = time.monotonic() + 5
    while k.query('two.lab.', 'A')[1].rcode() != dns.rcode.REFUSED:
        assert time.monotonic() < deadline, 'the RPZ file was not reloaded:\n' + k.stderr()
        time.sleep(0.2)
    assert k.query('one.lab.', 'A')[1].rcode() != dns.rcode.REFUSED
    # A broken file keeps the previous data and says why.
    path.write_text('two.lab CNAME .\nbroken.lab A not-an-address\n')
    deadline = time.monotonic() + 5
    while ':2: cannot parse the record' not in k.stderr():
        assert time.monotonic() < deadline, k.stderr()
        time.sleep(0.2)
    assert k.query('two.lab.', 'A')[1].rcode() == dns.rcode.REFUSED


@pytest.mark.parametrize('config, words', [
    ("policy.add(policy.rpz(policy.DENY, 'bad.rpz'))", 'bad.rpz:3: cannot parse the record'),
    ("policy.add(policy.suffix(policy.DENY, {todname('a.')}))\n"
     "policy.add(policy.pattern(policy.DENY, '[a'))", 'config:3: policy.add: pattern: malformed pattern'),
    ("policy.add(policy.all(policy.TLS_FORWARD({{'192.0.2.1'}})))",
     'config:2: policy.TLS_FORWARD: server 192.0.2.1: give hostname (and ca_file) or pin_sha256'),
    ("policy.add(policy.all(policy.FORWARD('192.0.2.300')))", "invalid address '192.0.2.300'"),
    ("policy.add(function(req, qry) return policy.DENY end)", 'rules written as Lua functions are not supported'),
])
def test_bad_rules(run_kresd, tmp_path, config, words):
    (tmp_path / 'bad.rpz').write_text('ok.lab CNAME .\n\nbad.lab A 192.0.2\n')
    rc, err, secs = run_kresd("modules.load('policy')\n" + config.replace('bad.rpz', str(tmp_path / 'bad.rpz')))
    assert rc != 0
    assert words.replace('bad.rpz', str(tmp_path / 'bad.rpz')) in err, err


def test_forward(kresd, fake_upstream):
    up = fake_upstream(address='192.0.2.99')
    k = kresd(policy_config(
        "policy.add(policy.suffix(policy.FORWARD({'127.0.0.1@%d'}), {todname('fwd.lab')}))" % up.port,
        hints={'local.lab': '192.0.2.1'}))
    q, r = k.query('www.fwd.lab.', 'A', use_edns=0)
    assert r.rcode() == dns.rcode.NOERROR and addresses(r) == ['192.0.2.99']
    assert not r.flags & dns.flags.AA   # not our data
    assert len(up.queries) == 1
    uq = up.queries[0][1]
    assert uq.flags & dns.flags.RD, 'forwarded queries ask for recursion'
    assert uq.question[0].name.to_text().lower() == 'www.fwd.lab.'
    assert uq.edns == 0
    # Other names are not forwarded; a client's CD goes to the forwarder.
    q, r = k.query('local.lab.', 'A')
    assert addresses(r) == ['192.0.2.1'] and len(up.queries) == 1
    q = make_query('cd.fwd.lab.', 'A')
    q.flags |= dns.flags.CD
    r = k.udp(q)
    assert addresses(r) == ['192.0.2.99']
    assert up.queries[-1][1].flags & dns.flags.CD


def test_stub_and_dead_forwarder(kresd, fake_upstream):
    up = fake_upstream()
    dead = fake_upstream(silent=True)
    k = kresd(policy_config(
        "policy.add(policy.suffix(policy.STUB('127.0.0.1#%d'), {todname('stub.lab')}))" % up.port,
        "policy.add(policy.suffix(policy.FORWARD({'127.0.0.1@%d'}), {todname('dead.lab')}))" % dead.port))
    q, r = k.query('a.stub.lab.', 'A', want_dnssec=True)
    assert addresses(r) == [up.address]
    uq = up.queries[0][1]
    assert uq.flags & dns.flags.RD and not uq.flags & dns.flags.CD
    assert not uq.ednsflags & dns.flags.DO, 'STUB does not ask for DNSSEC records'
    t0 = time.monotonic()
    r = k.udp(make_query('x.dead.lab.', 'A'), timeout=5)
    assert r.rcode() == dns.rcode.SERVFAIL
    assert time.monotonic() - t0 < 5
    assert len(dead.queries) >= 1 and dead.queries[0][1].flags & dns.flags.RD

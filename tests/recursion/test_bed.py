# SPDX-License-Identifier: GPL-3.0-or-later
"""
The fake Internet itself, asked directly (no kresd): every knotd serves exactly
what the model says, the referrals and glue are there, and the misbehaving
Python servers misbehave as intended. If these fail, the kresd tests mean nothing.
"""
import socket
import time

import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset

import fakenet
from conftest import rrset_keys, texts
from fakenet import ADDR, N


def ask(addr, name, rdtype='A', tcp=False, timeout=2.0):
    q = dns.message.make_query(name, rdtype)
    q.flags &= ~dns.flags.RD
    if tcp:
        return dns.query.tcp(q, addr, timeout=timeout)
    return dns.query.udp(q, addr, timeout=timeout)


def test_knotd_serves_the_model(net, tree):
    """Every question of the tree, asked of a server of its zone, gets the model's one-zone answer."""
    servers = {}
    for level in net.knots.values():
        for z in level.zones:
            servers[z.origin] = level.addrs[0] if z.origin != N('v6only.bench.') else level.addrs[-1]
    errors = []
    asked = 0
    for name, rdtype in tree.questions():
        z = tree.auth_zone(name, rdtype)
        if z.origin not in servers:
            continue
        q = dns.message.make_query(name, rdtype)
        q.flags &= ~dns.flags.RD
        r = dns.query.udp(q, servers[z.origin], timeout=2)
        if r.flags & dns.flags.TC:
            r = dns.query.tcp(q, servers[z.origin], timeout=2)
        exp = fakenet.zone_answer(z, q)
        asked += 1
        why = []
        if r.rcode() != exp.rcode():
            why.append('rcode %s' % dns.rcode.to_text(r.rcode()))
        if not r.flags & dns.flags.AA:
            why.append('no AA')
        if rrset_keys(r.answer) != rrset_keys(exp.answer):
            why.append('answer %s != %s' % (texts(r.answer), texts(exp.answer)))
        if rrset_keys(r.authority) != rrset_keys(exp.authority) and not exp.answer == r.answer == []:
            why.append('authority %s != %s' % (texts(r.authority), texts(exp.authority)))
        if why:
            errors.append('%s %s: %s' % (name, dns.rdatatype.to_text(rdtype), '; '.join(why)))
    assert asked > 2500
    assert not errors, '%d of %d differ:\n%s' % (len(errors), asked, '\n'.join(errors[:30]))


def test_referrals_and_glue(net):
    r = ask(fakenet.ROOT_ADDR, 'www.feat.lab.')
    assert not r.flags & dns.flags.AA and not r.answer
    assert rrset_keys(r.authority) == rrset_keys(
        [dns.rrset.from_text('lab.', 3600, 'IN', 'NS', 'a.nic.lab.', 'ns.nic.wan.')])
    glue = {(rr.name.to_text(), rd.to_text()) for rr in r.additional for rd in rr}
    # in-bailiwick (mandatory) a.nic.lab and sibling ns.nic.wan: both from the root
    assert glue == {('a.nic.lab.', ADDR['a.nic.lab']), ('ns.nic.wan.', ADDR['ns.nic.wan'])}
    # sibling glue only: sib.lab. NS ns1.glue.lab.
    r = ask(ADDR['a.nic.lab'], 'www.sib.lab.')
    assert [rd.to_text() for rr in r.additional for rd in rr] == [ADDR['ns1.glue.lab']]
    # glueless
    r = ask(ADDR['a.nic.lab'], 'www.glueless.lab.')
    assert texts(r.authority) == ['glueless.lab. 3600 IN NS ns.hosting.wan.'] and not r.additional
    # IPv6-only server: AAAA glue only, and it answers on its IPv6 address
    r = ask(ADDR['a.nic.bench'], 'www.v6only.bench.')
    assert texts(r.additional) == ['ns.v6only.bench. 3600 IN AAAA ' + ADDR['ns.v6only.bench']]
    r = ask(ADDR['ns.v6only.bench'], 'www.v6only.bench.')
    assert r.flags & dns.flags.AA and texts(r.answer) == ['www.v6only.bench. 3600 IN A 198.18.35.1']
    # the level-4 zone
    r = ask(ADDR['ns1.glue.lab'], 'www.sub.feat.lab.')
    assert texts(r.authority) == ['sub.feat.lab. 3600 IN NS ns.sub.feat.lab.']
    r = ask(ADDR['ns.sub.feat.lab'], 'www.sub.feat.lab.', tcp=True)
    assert r.flags & dns.flags.AA and r.answer
    # out-of-bailiwick (poisoned) glue from the Python oob.wan server
    r = ask(ADDR['ns.oob.wan'], 'www.child.oob.wan.')
    assert texts(r.authority) == ['child.oob.wan. 3600 IN NS ns1.glue.lab.']
    assert 'ns1.glue.lab. 3600 IN A ' + ADDR['poison'] in texts(r.additional)
    # delegation loop and NS explosion are delegations without glue
    r = ask(ADDR['a.nic.lab'], 'x.loop1.lab.')
    assert texts(r.authority) == ['loop1.lab. 3600 IN NS ns.loop2.wan.'] and not r.additional
    r = ask(ADDR['ns.nic.wan'], 'x.boom.wan.', tcp=True)
    assert len(r.authority[0]) == 20 and not r.additional


def test_misbehaving_servers(net):
    # silent: nothing over UDP
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.5)
        s.sendto(dns.message.make_query('www.silent.bench.', 'A').to_wire(),
                 (ADDR['ns1.silent.bench'], 53))
        try:
            s.recv(4096)
            assert False, 'the silent server answered'
        except socket.timeout:
            pass
    # lame: REFUSED, and an upward referral without AA
    r = ask(ADDR['ns1.lame.lab'], 'www.lame.lab.')
    assert r.rcode() == dns.rcode.REFUSED
    r = ask(ADDR['ns2.lame.lab'], 'www.lame.lab.')
    assert not r.flags & dns.flags.AA and texts(r.authority) == ['. 3600 IN NS a.root-servers.net.']
    # TCP only: UDP is truncated and empty, TCP has the data
    r = ask(ADDR['ns.tcponly.bench'], 'www.tcponly.bench.')
    assert r.flags & dns.flags.TC and not r.answer
    r = ask(ADDR['ns.tcponly.bench'], 'big.tcponly.bench.', 'TXT', tcp=True)
    assert r.flags & dns.flags.AA and len(r.to_wire()) > 512
    # poison: anything
    r = ask(ADDR['poison'], 'www.feat.lab.')
    assert texts(r.answer) == ['www.feat.lab. 3600 IN A ' + fakenet.POISON_A]


def test_spoofer_sends_forgeries_first(net):
    q = dns.message.make_query('ThEqUiCkBrOwNfOx.spoof.bench.', 'A')
    got = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1.0)
        s.sendto(q.to_wire(), (ADDR['ns.spoof.bench'], 53))
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.0:
            try:
                data, peer = s.recvfrom(4096)
            except socket.timeout:
                break
            got.append((peer, dns.message.from_wire(data), time.monotonic() - t0))
            if got[-1][2] > 0.2:
                break
    assert len(got) == 7, [(p, m.id, m.question) for p, m, _ in got]
    *forged, (peer, good, delay) = got
    assert delay >= 0.2
    assert peer == (ADDR['ns.spoof.bench'], 53)
    assert good.id == q.id and good.question[0].name.to_text() == 'ThEqUiCkBrOwNfOx.spoof.bench.'
    assert 'thequickbrownfox.spoof.bench. 3600 in a 198.18.40.2' in [t.lower() for t in texts(good.answer)]
    right = [m for p, m, _ in forged if p == (ADDR['ns.spoof.bench'], 53) and m.id == q.id
             and m.flags & dns.flags.QR and m.question[0].name.to_text() == q.question[0].name.to_text()]
    assert not right, 'a forged reply is indistinguishable from the right one'


def test_query_counters(net):
    before = net.counts()
    ask(fakenet.ROOT_ADDR, 'lab.', 'NS')
    ask(ADDR['ns1.lame.lab'], 'www.lame.lab.')
    diff = net.diff(net.counts(), before)
    assert diff == {'root': 1, 'refused': 1}, diff

# SPDX-License-Identifier: GPL-3.0-or-later
"""The hints plugin answering from a hosts file, over UDP and TCP, on IPv4 and IPv6."""
import dns.flags
import dns.rcode
import dns.rdatatype
import dns.reversename
import pytest

from conftest import make_query

HOSTS = """\
# a comment line, then a blank one

192.0.2.1    www.lab     WWW-Alias.lab   # trailing comment
192.0.2.2    www.lab
2001:db8::1  www.lab
192.0.2.10   v4only.lab
2001:db8::20 v6only.lab
"""

TTL = 5   # hints' default TTL


def check_reply(q, r, rcode=dns.rcode.NOERROR, aa=False):
    """The header and question a well-formed answer to q must have."""
    assert r.id == q.id
    assert r.rcode() == rcode, dns.rcode.to_text(r.rcode())
    assert r.flags & dns.flags.QR
    assert r.flags & dns.flags.RA
    assert bool(r.flags & dns.flags.RD) == bool(q.flags & dns.flags.RD)
    assert bool(r.flags & dns.flags.CD) == bool(q.flags & dns.flags.CD)
    assert not r.flags & dns.flags.TC
    if aa is not None:
        assert bool(r.flags & dns.flags.AA) == aa
    assert len(r.question) == 1
    # Same letters in the same case (dnspython compares names case-insensitively).
    assert r.question[0].name.to_text() == q.question[0].name.to_text()
    assert r.question[0].rdtype == q.question[0].rdtype
    assert r.question[0].rdclass == q.question[0].rdclass
    assert not r.authority


def answer_set(r, rdtype):
    """{(owner text as written, ttl, rdata text)} of the answer section, checking the type."""
    out = set()
    for rrset in r.answer:
        assert rrset.rdtype == rdtype, rrset
        for rd in rrset:
            out.add((rrset.name.to_text(), rrset.ttl, rd.to_text()))
    return out


@pytest.fixture(params=['modules-table', 'add_hosts'])
def hinted(request, kresd, hostsfile):
    path = hostsfile(HOSTS)
    if request.param == 'modules-table':
        config = "modules = { hints = '%s' }\n" % path
    else:
        config = "hints.add_hosts('%s')\n" % path
    return kresd(config)


@pytest.mark.parametrize('proto', ['udp', 'tcp'])
@pytest.mark.parametrize('server', ['127.0.0.1', '::1'])
def test_hosts_answers(hinted, proto, server):
    k = hinted

    def ask(name, rdtype, **kw):
        q = make_query(name, rdtype, **kw)
        r = k.udp(q, addr=server) if proto == 'udp' else k.tcp(q, addr=server)
        return q, r

    q, r = ask('www.lab.', 'A', qid=0)
    check_reply(q, r)
    assert answer_set(r, dns.rdatatype.A) == {('www.lab.', TTL, '192.0.2.1'), ('www.lab.', TTL, '192.0.2.2')}

    # The owner is written as the client asked it; the ID 65535 is echoed; RD=0 copied.
    q, r = ask('wWw.LaB.', 'AAAA', qid=65535, rd=False)
    check_reply(q, r)
    assert answer_set(r, dns.rdatatype.AAAA) == {('wWw.LaB.', TTL, '2001:db8::1')}

    q, r = ask('www-alias.lab.', 'A')
    check_reply(q, r)
    assert answer_set(r, dns.rdatatype.A) == {('www-alias.lab.', TTL, '192.0.2.1')}

    # PTR: one record per name of the address (the alias was written in upper case).
    q, r = ask(dns.reversename.from_address('192.0.2.1'), 'PTR')
    check_reply(q, r)
    ptrs = answer_set(r, dns.rdatatype.PTR)
    assert {(o, t, d.lower()) for o, t, d in ptrs} == {
        ('1.2.0.192.in-addr.arpa.', TTL, 'www.lab.'), ('1.2.0.192.in-addr.arpa.', TTL, 'www-alias.lab.')}
    q, r = ask(dns.reversename.from_address('2001:db8::20'), 'PTR')
    check_reply(q, r)
    assert {d for _, _, d in answer_set(r, dns.rdatatype.PTR)} == {'v6only.lab.'}

    # NODATA: a name with only A asked AAAA, and the other way round, and MX.
    for name, rdtype in (('v4only.lab.', 'AAAA'), ('v6only.lab.', 'A'), ('www.lab.', 'MX')):
        q, r = ask(name, rdtype)
        check_reply(q, r)
        assert r.answer == [], (name, rdtype)

    # localhost and its reverse name are always there.
    q, r = ask('localhost.', 'A')
    check_reply(q, r)
    assert answer_set(r, dns.rdatatype.A) == {('localhost.', TTL, '127.0.0.1')}
    q, r = ask('LocalHost.', 'AAAA')
    check_reply(q, r)
    assert answer_set(r, dns.rdatatype.AAAA) == {('LocalHost.', TTL, '::1')}
    q, r = ask('1.0.0.127.in-addr.arpa.', 'PTR')
    check_reply(q, r)
    assert answer_set(r, dns.rdatatype.PTR) == {('1.0.0.127.in-addr.arpa.', TTL, 'localhost.')}

    # Names not in the table (and names below a hinted one): nobody else can answer yet.
    for name in ('nothere.lab.', 'sub.www.lab.', 'lab.'):
        q, r = ask(name, 'A')
        check_reply(q, r, rcode=dns.rcode.SERVFAIL, aa=False)
        assert r.answer == []


def test_cd_copied(hinted):
    q = make_query('www.lab.', 'A')
    q.flags |= dns.flags.CD
    r = hinted.udp(q)
    check_reply(q, r)
    assert len(r.answer) == 1


def test_hints_set_and_del_live(kresd):
    """Names changed at run time through the CLI are answered (and forgotten) at once."""
    k = kresd('', interactive=True)
    assert k.cli("hints.set('dyn.lab 198.51.100.7')").strip() == 'true'
    q, r = k.query('dyn.lab.', 'A')
    check_reply(q, r)
    assert answer_set(r, dns.rdatatype.A) == {('dyn.lab.', TTL, '198.51.100.7')}
    assert k.cli("hints.ttl(300)").strip() == '300'
    q, r = k.query('dyn.lab.', 'A', proto='tcp')
    assert answer_set(r, dns.rdatatype.A) == {('dyn.lab.', 300, '198.51.100.7')}
    assert k.cli("hints.del('dyn.lab')").strip() == 'true'
    q, r = k.query('dyn.lab.', 'A')
    check_reply(q, r, rcode=dns.rcode.SERVFAIL, aa=False)


def test_bad_hosts_file_line(kresd, hostsfile):
    """A bad line is reported with FILE:LINE; the good lines are still served."""
    path = hostsfile('192.0.2.1 good.lab\nnot-an-address bad.lab\n192.0.2.3 good2.lab\n')
    k = kresd("local ok, err = pcall(hints.add_hosts, '%s')\n"
              "assert(not ok)\nio.stderr:write('HOSTS-ERROR: ', tostring(err), '\\n')\n" % path)
    err = k.stderr()
    assert '%s:2' % path in err, err
    for name, addr in (('good.lab.', '192.0.2.1'), ('good2.lab.', '192.0.2.3')):
        q, r = k.query(name, 'A')
        check_reply(q, r)
        assert answer_set(r, dns.rdatatype.A) == {(name, TTL, addr)}

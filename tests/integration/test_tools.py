# SPDX-License-Identifier: GPL-3.0-or-later
"""
kresd-host and kresd-query (tools/) against a fake authoritative root
(test_modules_fakeauth.py), pointed at it with KRESD_TOOL_CONFIG; every
line they print is checked against the zone data. For `kresd-host -f`, the
fake root is signed with dnspython (python3-cryptography).
"""
import subprocess
import time

import dns.dnssec
import dns.flags
import dns.name
import dns.rdatatype
import dns.rrset
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from conftest import BUILDDIR, KRESD, kresd_env, sanitizer_report
from test_modules_fakeauth import FakeAuth, fake_auth  # noqa: F401 (fixture)

RECORDS = [
    'www.lab. 300 IN A 192.0.2.1',
    'www.lab. 300 IN A 192.0.2.2',
    'www.lab. 300 IN AAAA 2001:db8::1',
    'www.lab. 300 IN MX 10 mail.lab.',
    'www.lab. 300 IN MX 20 mx2.lab.',
    'alias.lab. 300 IN CNAME www.lab.',
    'v4.lab. 300 IN A 192.0.2.4',
    'txt.lab. 300 IN TXT "hello tools"',
]


@pytest.fixture
def tool(tmp_path, moduledir, fake_auth):
    """tool(name, *args) runs a tool against the fake root: @return (rc, stdout, stderr)."""
    auth = fake_auth(RECORDS)
    conf = tmp_path / 'root.lua'
    conf.write_text(auth.config())

    def run(name, *args, config=True, timeout=30):
        env = kresd_env(moduledir)
        env['KRESD'] = str(KRESD)
        env['TMPDIR'] = str(tmp_path)
        if config:
            env['KRESD_TOOL_CONFIG'] = str(conf)
        res = subprocess.run([str(BUILDDIR / 'tools' / name)] + list(args), env=env,
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
        assert not sanitizer_report(res.stderr), res.stderr
        return res.returncode, res.stdout, res.stderr

    run.auth = auth
    return run


def test_host_default_lookups(tool, tmp_path):
    rc, out, err = tool('kresd-host', 'www.lab')
    assert rc == 0, err
    # Names inside RDATA keep the letter case the server compressed them against (0x20);
    # records of one set come in any order, the sets in the order A, AAAA, MX.
    lines = out.lower().splitlines()
    assert lines[:2] in (['www.lab. has address 192.0.2.1', 'www.lab. has address 192.0.2.2'],
                         ['www.lab. has address 192.0.2.2', 'www.lab. has address 192.0.2.1'])
    assert lines[2] == 'www.lab. has ipv6 address 2001:db8::1'
    assert sorted(lines[3:]) == ['www.lab. mail is handled by 10 mail.lab.',
                                 'www.lab. mail is handled by 20 mx2.lab.']
    # The temporary rundir is gone.
    assert not list(tmp_path.glob('kresd-host.*'))


def test_host_alias_missing_types_and_errors(tool):
    rc, out, err = tool('kresd-host', 'alias.lab.')
    assert rc == 0, err
    lines = out.lower().splitlines()
    assert lines[0] == 'alias.lab. is an alias for www.lab.'
    assert lines.count('alias.lab. is an alias for www.lab.') == 1
    assert 'www.lab. has address 192.0.2.1' in lines and 'www.lab. has ipv6 address 2001:db8::1' in lines
    # Only A: no AAAA and MX lines.
    rc, out, err = tool('kresd-host', 'v4.lab')
    assert rc == 0 and out.splitlines() == ['v4.lab. has address 192.0.2.4'], (out, err)
    rc, out, err = tool('kresd-host', '-t', 'TXT', 'txt.lab')
    assert rc == 0 and out.splitlines() == ['txt.lab. has TXT record "hello tools"'], (out, err)
    rc, out, err = tool('kresd-host', '-t', 'mx', 'v4.lab')
    assert rc == 0 and out.splitlines() == ['v4.lab has no MX record'], (out, err)
    rc, out, err = tool('kresd-host', 'nothing.lab')
    assert rc == 1 and out.splitlines() == ['Host nothing.lab not found: 3(NXDOMAIN)'], (out, err)
    rc, out, err = tool('kresd-host', '-t', 'NOSUCHTYPE', 'v4.lab')
    assert rc == 2 and 'unknown query type' in err
    rc, out, err = tool('kresd-host')
    assert rc == 2 and 'Usage' in err


def test_host_class_and_verbose(tool):
    rc, out, err = tool('kresd-host', '-c', 'CH', '-t', 'TXT', 'v4.lab')
    assert rc == 1 and out.splitlines() == ['Host v4.lab not found: 5(REFUSED)'], (out, err)
    rc, out, err = tool('kresd-host', '-v', '-t', 'A', 'v4.lab')
    assert rc == 0 and out.splitlines() == ['v4.lab. has address 192.0.2.4']
    assert '[iterate]' in err, err


class SignedRoot(FakeAuth):
    """A FakeAuth whose root zone is signed (ECDSAP256SHA256, dnspython): answers to
    queries with DO carry the RRSIGs of their RR sets; `. DNSKEY` is served."""

    def __init__(self, records):
        super().__init__(records)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.dnskey = dns.dnssec.make_dnskey(self.key.public_key(), dns.dnssec.Algorithm.ECDSAP256SHA256,
                                             flags=257)
        keyset = dns.rrset.from_rdata(dns.name.root, 3600, self.dnskey)
        self.rrsets[(dns.name.root, dns.rdatatype.DNSKEY)] = keyset
        self.ds = dns.dnssec.make_ds(dns.name.root, self.dnskey, 'SHA256')
        now = int(time.time())
        self.sigs = {}
        for key, rrset in self.rrsets.items():
            sig = dns.dnssec.sign(rrset, self.key, dns.name.root, self.dnskey,
                                  inception=now - 3600, expiration=now + 86400)
            self.sigs[key] = dns.rrset.from_rdata(rrset.name, rrset.ttl, sig)

    def answer(self, q):
        r = super().answer(q)
        if q.ednsflags & dns.flags.DO:
            r.use_edns(0, dns.flags.DO, 1232)
            for section in (r.answer,):
                for rrset in list(section):
                    sig = self.sigs.get((rrset.name, rrset.rdtype))
                    if sig is not None:
                        section.append(sig)
        return r

    def trust_anchor(self):
        return '. 3600 IN DS %s\n' % self.ds.to_text()


def test_host_keyfile_marks_secure_answers(tmp_path, moduledir):
    """-f KEYFILE: answers validated against the signed fake root end in (secure)."""
    auth = SignedRoot(['lab. 300 IN A 192.0.2.50', 'lab. 300 IN AAAA 2001:db8::50',
                       'lab. 300 IN MX 10 mail.lab.'])
    try:
        conf = tmp_path / 'root.lua'
        conf.write_text(auth.config())
        keyfile = tmp_path / 'root.keys'
        keyfile.write_text(auth.trust_anchor())
        env = kresd_env(moduledir)
        env.update(KRESD=str(KRESD), TMPDIR=str(tmp_path), KRESD_TOOL_CONFIG=str(conf))

        def host(*args):
            res = subprocess.run([str(BUILDDIR / 'tools' / 'kresd-host')] + list(args), env=env,
                                 stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
            assert not sanitizer_report(res.stderr), res.stderr
            return res.returncode, res.stdout, res.stderr

        rc, out, err = host('-f', str(keyfile), 'lab')
        assert rc == 0, err
        assert out.lower().splitlines() == ['lab. has address 192.0.2.50 (secure)',
                                            'lab. has ipv6 address 2001:db8::50 (secure)',
                                            'lab. mail is handled by 10 mail.lab. (secure)'], out
        assert auth.asked('.', 'DNSKEY') >= 1
        # Without -f nothing is validated: the same lines without the mark.
        rc, out, err = host('-t', 'A', 'lab')
        assert rc == 0 and out.splitlines() == ['lab. has address 192.0.2.50'], (out, err)
        # A key that does not match the root's: bogus, not found.
        other = SignedRoot([])
        try:
            keyfile.write_text(other.trust_anchor())
            rc, out, err = host('-f', str(keyfile), '-t', 'A', 'lab')
            assert rc == 1 and out.splitlines() == ['Host lab not found: 2(SERVFAIL)'], (out, err)
        finally:
            other.close()
        rc, out, err = host('-f', str(tmp_path / 'missing.keys'), 'lab')
        assert rc == 2 and 'cannot read the key file' in err
    finally:
        auth.close()


def test_query_exit_status_follows_expression(tool):
    rc, out, err = tool('kresd-query', 'www.lab', 'pkt:rcode() == kres.rcode.NOERROR')
    assert rc == 0, err
    rc, out, err = tool('kresd-query', 'nothing.lab', 'pkt:rcode() == kres.rcode.NOERROR')
    assert rc == 1, err
    rc, out, err = tool('kresd-query', 'www.lab',
                        'assert(kres.dname2str(req:resolved().zone_cut.name) == "lab.")')
    assert rc == 1 and 'assertion failed' in err, err
    rc, out, err = tool('kresd-query', 'www.lab',
                        'assert(kres.dname2str(req:resolved().sname):lower() == "www.lab.")')
    assert rc == 0, err
    rc, out, err = tool('kresd-query', '-t', 'MX', 'www.lab', '#pkt:section(kres.section.ANSWER)')
    assert rc == 2, err
    rc, out, err = tool('kresd-query', '-t', 'AAAA', 'www.lab',
                        'for _, r in ipairs(pkt:section(kres.section.ANSWER)) do print(kres.rr2str(r)) end')
    assert rc == 0 and out.split() == ['www.lab.', '300', 'IN', 'AAAA', '2001:db8::1'], (out, err)
    rc, out, err = tool('kresd-query', 'www.lab', 'this is not lua')
    assert rc == 2 and 'bad expression' in err
    rc, out, err = tool('kresd-query', '-C', "hints.set('local.lab 192.0.2.77')", 'local.lab',
                        'print(kres.rr2str(pkt:section(kres.section.ANSWER)[1]))', config=False)
    assert rc == 0 and out.split()[-1] == '192.0.2.77', (out, err)


def test_query_only_asks_the_test_bed(tool):
    """The tools resolve through the configured root: the fake saw the question."""
    before = tool.auth.asked('v4.lab.', 'A')
    rc, out, err = tool('kresd-query', 'v4.lab', 'true')
    assert rc == 0, err
    assert tool.auth.asked('v4.lab.', 'A') == before + 1

# SPDX-License-Identifier: GPL-3.0-or-later
"""
The YAML configuration (kresd -c config.yaml): each section's effect on a real
kresd, --print-lua, and refusal to start on a broken file with a precise message.
"""
import os
import socket
import subprocess
import textwrap
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from conftest import KRESD, Kresd, kresd_env, make_query, next_port, sanitizer_report
from test_control import ask, control_path


@pytest.fixture
def yaml_kresd(tmp_path, moduledir):
    """
    Factory: yaml_kresd(text, port) writes config.yaml (text may use {port}),
    starts `kresd -c config.yaml` and returns it once it answers on 127.0.0.1:port.
    At teardown each must exit with status 0 on SIGTERM, with no sanitizer report.
    """
    started = []

    def start(text, port=None, args=(), wait=True):
        port = port or next_port()
        workdir = tmp_path / ('yaml%d' % len(started))
        workdir.mkdir()
        k = Kresd(workdir, '', port, moduledir, args=args, listen=False)
        (workdir / 'config.yaml').write_text(textwrap.dedent(text).replace('{port}', str(port)))
        k.cmd[k.cmd.index('config')] = 'config.yaml'
        started.append(k)
        return k.start(wait=wait)

    yield start
    problems = []
    for k in started:
        if k.alive():
            rc = k.stop()
            if rc != 0:
                problems.append('kresd exited with %d on SIGTERM:\n%s' % (rc, k.stderr()))
        elif not k.waited:
            problems.append('kresd died with %s:\n%s' % (k.proc.returncode, k.stderr()))
        if sanitizer_report(k.stderr()):
            problems.append('sanitizer report:\n' + k.stderr())
    assert not problems, '\n'.join(problems)


def run_yaml(tmp_path, moduledir, text, args=(), name='config.yaml'):
    """Run kresd on a YAML file that should make it exit: @return (rc, stdout, stderr, seconds)."""
    workdir = tmp_path / ('run-%d' % next_port())
    workdir.mkdir()
    (workdir / name).write_bytes(text if isinstance(text, bytes) else textwrap.dedent(text).encode())
    t0 = time.monotonic()
    res = subprocess.run([str(KRESD), '-n', '-c', name] + list(args) + [str(workdir)], cwd=workdir,
                         env=kresd_env(moduledir), stdin=subprocess.DEVNULL, capture_output=True,
                         timeout=10)
    err = res.stderr.decode(errors='replace')
    assert not sanitizer_report(err), err
    return res.returncode, res.stdout.decode(errors='replace'), err, time.monotonic() - t0


def addresses(r):
    return sorted(rd.to_text() for rrset in r.answer for rd in rrset)


def control(k, cmd):
    return ask(control_path(k), cmd + '\n').strip()


def test_network_listen_port_and_options(yaml_kresd):
    port2, port3 = next_port(), next_port()
    k = yaml_kresd("""\
        network:
          listen:
            - interface: [127.0.0.1, '::1']
              port: {port}
            - interface: 127.0.0.1@%d
            - interface: lo
              port: %d
          tcp-pipeline: 7
          edns-buffer-size:
            upstream: 1400B
        """ % (port2, port3))
    for addr in ('127.0.0.1', '::1'):
        r = k.udp(make_query('localhost.', 'A'), addr=addr)
        assert r.rcode() == dns.rcode.NOERROR and addresses(r) == ['127.0.0.1']
    r = k.tcp(make_query('localhost.', 'AAAA'))
    assert addresses(r) == ['::1']
    # the other listeners, on their own ports; an interface name means all its addresses
    for addr, port in (('127.0.0.1', port2), ('127.0.0.1', port3), ('::1', port3)):
        with socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(2)
            q = make_query('localhost.', 'A')
            s.sendto(q.to_wire(), (addr, port))
            assert dns.message.from_wire(s.recv(65535)).id == q.id
    assert control(k, 'net.tcp_pipeline()') == '7'
    assert control(k, 'net.bufsize()') == '1400'
    # exactly these endpoints: the default port 53 is not opened when the YAML says where to listen
    ports = control(k, "local p = {} for _, e in ipairs(net.list()) do "
                       "p[#p + 1] = e.transport.ip .. '@' .. e.transport.port .. '/' .. e.transport.protocol end "
                       "table.sort(p) return table.concat(p, ' ')")
    assert ports == ' '.join(sorted('%s@%d/%s' % (a, p, proto) for a, p in
                                    (('127.0.0.1', k.port), ('::1', k.port), ('127.0.0.1', port2),
                                     ('127.0.0.1', port3), ('::1', port3))
                                    for proto in ('tcp', 'udp'))), ports


def test_cache_size_and_ttls_applied(yaml_kresd):
    k = yaml_kresd("""\
        network:
          listen: [{interface: 127.0.0.1, port: {port}}]
        cache:
          size-max: 20M
          ttl-min: 10s
          ttl-max: 1h
          answers-size-max: 2M
        """)
    assert control(k, 'cache.current_size') == str(20 * 1024 * 1024)
    assert control(k, 'worker.answer_cache().size') == str(2 * 1024 * 1024)
    assert control(k, 'cache.max_ttl()') == '3600'
    assert control(k, 'cache.min_ttl()') == '10'


def test_local_data_answered(yaml_kresd, tmp_path):
    hosts = tmp_path / 'hosts'
    hosts.write_text('192.0.2.44 printer.lan\n')
    k = yaml_kresd("""\
        network:
          listen: [{interface: 127.0.0.1, port: {port}}]
        local-data:
          ttl: 120
          addresses:
            router.lan: [192.0.2.1, '2001:db8::1']
          addresses-files: [%s]
          records: |
            www.lab. 300 A 192.0.2.7
            www.lab. 300 A 192.0.2.8
            WWW.lab. 600 TXT "hello world"
            mail.lab. MX 10 mx.lab.
        """ % hosts)
    r = k.udp(make_query('www.lab.', 'A'))
    assert r.rcode() == dns.rcode.NOERROR and addresses(r) == ['192.0.2.7', '192.0.2.8']
    assert r.answer[0].ttl == 300
    r = k.udp(make_query('Www.Lab.', 'TXT'))
    assert addresses(r) == ['"hello world"'] and r.answer[0].ttl == 600
    # another type of the name: NODATA, not resolved upstream
    r = k.udp(make_query('www.lab.', 'AAAA'))
    assert r.rcode() == dns.rcode.NOERROR and r.answer == []
    r = k.udp(make_query('mail.lab.', 'MX'))
    assert addresses(r) == ['10 mx.lab.'] and r.answer[0].ttl == 120   # local-data.ttl is the default
    r = k.udp(make_query('router.lan.', 'AAAA'))
    assert addresses(r) == ['2001:db8::1'] and r.answer[0].ttl == 120
    r = k.udp(make_query('printer.lan.', 'A'))
    assert addresses(r) == ['192.0.2.44']


def test_view_refuses_a_subnet(yaml_kresd):
    k = yaml_kresd("""\
        network:
          listen: [{interface: 127.0.0.1, port: {port}}]
        local-data:
          addresses: {router.lan: 192.0.2.1}
        views:
          - subnets: [127.0.0.2/32]
            answer: refused
          - subnets: 127.0.0.3
            answer: noanswer
        """)
    q = make_query('router.lan.', 'A')
    assert addresses(k.udp(q)) == ['192.0.2.1']
    for source, expect in (('127.0.0.2', dns.rcode.REFUSED), ('127.0.0.3', None)):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind((source, 0))
            s.settimeout(1)
            s.sendto(q.to_wire(), (k.addr, k.port))
            try:
                r = dns.message.from_wire(s.recv(65535))
            except socket.timeout:
                r = None
        if expect is None:
            assert r is None, 'noanswer: nothing is sent back'
        else:
            assert r is not None and r.rcode() == expect


def test_forward_to_upstream(yaml_kresd, fake_upstream):
    up = fake_upstream(address='192.0.2.99')
    stub = fake_upstream(address='192.0.2.98')
    k = yaml_kresd("""\
        network:
          listen: [{interface: 127.0.0.1, port: {port}}]
        dnssec: false   # the fake upstreams are not signed; forwarded answers are validated
        forward:
          - subtree: fwd.lab
            servers: ['127.0.0.1@%d']
          - subtree: [stub.lab]
            servers: ['127.0.0.1#%d']
            options: {dnssec: false}
        """ % (up.port, stub.port))
    r = k.udp(make_query('www.fwd.lab.', 'A', use_edns=0))
    assert r.rcode() == dns.rcode.NOERROR and addresses(r) == ['192.0.2.99']
    assert len(up.queries) == 1
    uq = up.queries[0][1]
    assert uq.flags & dns.flags.RD and uq.question[0].name.to_text().lower() == 'www.fwd.lab.'
    r = k.udp(make_query('a.stub.lab.', 'A', want_dnssec=True))
    assert addresses(r) == ['192.0.2.98']
    assert not stub.queries[0][1].ednsflags & dns.flags.DO, 'dnssec: false forwards as STUB'
    assert len(up.queries) == 1


def test_modules_logging_hostname_lua(yaml_kresd):
    k = yaml_kresd("""\
        hostname: yaml-host
        logging:
          level: debug
        network:
          listen: [{interface: 127.0.0.1, port: {port}}]
        modules:
          - stats
          - name: nsid
            options: resolver-7
        lua:
          script: |
            from_yaml = 'yes'
        """)
    assert control(k, 'hostname()') == 'yaml-host'
    assert control(k, 'verbose()') == 'true'
    assert control(k, 'nsid.name()') == 'resolver-7'
    assert control(k, 'from_yaml') == 'yes'
    assert 'stats' in control(k, 'modules.list()')


def test_workers_start_processes(yaml_kresd):
    k = yaml_kresd("""\
        workers: 2
        network:
          listen: [{interface: 127.0.0.1, port: {port}}]
        """)
    tty = k.workdir / 'tty'
    deadline = time.monotonic() + 5
    while (not tty.exists() or len(os.listdir(tty)) < 2) and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = sorted(os.listdir(tty))
    assert len(pids) == 2
    assert sorted(ask(tty / p, 'worker.id\n').strip() for p in pids) == ['0', '1']
    assert ask(tty / pids[0], 'worker.count\n').strip() == '2'


def test_workers_conflict_with_f(tmp_path, moduledir):
    rc, out, err, secs = run_yaml(tmp_path, moduledir, 'workers: 2\n', args=['-f', '3'])
    assert rc != 0
    assert 'config.yaml:1:10: workers: 2 processes, but -f 3 on the command line' in err, err


def test_print_lua(tmp_path):
    path = tmp_path / 'kresd.yml'
    path.write_text(textwrap.dedent("""\
        network:
          listen:
            - interface: 127.0.0.1
              port: 5353
        cache: {size-max: 10M}
        forward:
          - subtree: lab
            servers: [192.0.2.1]
        """))
    res = subprocess.run([str(KRESD), '--print-lua', str(path)], capture_output=True, text=True, timeout=5,
                         cwd='/')
    assert res.returncode == 0, res.stderr
    assert res.stderr == ''
    assert res.stdout == ("-- Lua generated by kresd from '%s'\n"
                          "net.listen('127.0.0.1', 5353)\n"
                          "cache.size = 10485760\n"
                          "policy.add(policy.suffix(policy.FORWARD({ '192.0.2.1' }), policy.todnames({ 'lab.' })))\n"
                          % path)
    # errors go to stderr, nothing to stdout
    bad = tmp_path / 'bad.yaml'
    bad.write_text('cache:\n  size-max: 10 apples\n')
    res = subprocess.run([str(KRESD), '--print-lua', str(bad)], capture_output=True, text=True, timeout=5)
    assert res.returncode == 1 and res.stdout == ''
    assert res.stderr == "%s:2:13: cache.size-max: expected a size such as 100M (units B, K, M, G, T), got '10 apples'\n" % bad


def test_printed_lua_runs_as_a_config(kresd, tmp_path):
    path = tmp_path / 'c.yaml'
    path.write_text('local-data:\n  records: |\n    www.lab. 300 A 192.0.2.7\n')
    lua = subprocess.run([str(KRESD), '--print-lua', str(path)], capture_output=True, text=True,
                         timeout=5, check=True).stdout
    k = kresd(lua)
    assert addresses(k.udp(make_query('www.lab.', 'A'))) == ['192.0.2.7']


BROKEN = [
    # (file content, the exact first line of stderr)
    ('network:\n  listen:\n    - interface: 127.0.0.1\n      port: 65536\n',
     'config.yaml:4:13: network.listen[1].port: must be 1..65535'),
    ('network:\n  listen:\n    - interface: 127.0.0.1\n      prot: 53\n',
     "config.yaml:4:7: network.listen[1]: unknown key 'prot'; did you mean 'port'?"),
    ('cache:\n\tsize-max: 10M\n', 'config.yaml:2:1: a tab character: YAML indents with spaces only'),
    ('cache: {}\ncache: {}\n', "config.yaml:2:1: duplicate key 'cache' (first at line 1)"),
    ('', "config.yaml:1:1: empty configuration: expected sections such as 'network:' or 'cache:'"),
    (b'\x7fELF\x02\x01\x01\x00\x00\xff\xfe', 'config.yaml:1:1: not a text file: control characters are not allowed (byte 0x7F)'),
    ('views:\n  - subnets: 10.0.0.0/40\n    answer: refused\n',
     "config.yaml:2:14: views[1].subnets: the prefix length of '10.0.0.0/40' must be 0..32"),
]


@pytest.mark.parametrize('text,first', BROKEN, ids=range(len(BROKEN)))
def test_broken_file_refuses_to_start(tmp_path, moduledir, text, first):
    rc, out, err, secs = run_yaml(tmp_path, moduledir, text)
    assert rc != 0
    assert err.splitlines()[0] == first, err
    assert secs < 3


def test_lua_error_located_in_yaml(tmp_path, moduledir):
    # 192.0.2.55 is no address of this host: net.listen fails at run time
    rc, out, err, secs = run_yaml(tmp_path, moduledir, """\
        cache:
          size-max: 10M
        network:
          listen:
            - interface: [127.0.0.1, 192.0.2.55]
              port: %d
        """ % next_port())
    assert rc != 0
    assert err.startswith('config.yaml:5:30: network.listen[1].interface[2]: net.listen: cannot listen on 192.0.2.55@'), err
    rc, out, err, secs = run_yaml(tmp_path, moduledir, """\
        dnssec:
          trust-anchors-files:
            - file: /nonexistent/root.keys
        """)
    assert rc != 0
    assert err.startswith('config.yaml:3:13: dnssec.trust-anchors-files[1].file: '), err
    assert '/nonexistent/root.keys' in err

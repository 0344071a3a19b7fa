# SPDX-License-Identifier: GPL-3.0-or-later
"""
The Lua examples of the user-facing reference (../shared/kresd-daemon-reference.txt)
that need one process, run as the reference writes them, from a config file and
from the CLI, with the result shapes it documents.

Examples changed or skipped, and why (see also the module docstrings of each test):
- the pruner closure ends an `if` with `fi` (a typo: a syntax error in Lua); it runs with `end`;
- times of 1-5 minutes are shortened by redefining the unit in a local before the example;
- `net.eth0`/`net.eth1` need such interfaces: made with `ip link add ... type ifb` when the
  kernel allows it (the test is skipped otherwise);
- examples using plugins that do not exist yet are skipped when the plugin is missing:
  `cache.*` (cache), `trust_anchors.*` (validate), `modules = { 'policy' }` (policy),
  'view < rrcache' (view), `map()` (forks), and the third-party packages `socket.http`,
  `http.server`, `cqueues` (not installed).
"""
import os
import pathlib
import re
import shutil
import socket
import subprocess
import time

import dns.rcode
import pytest

from conftest import KRESD, kresd_env, make_query, next_port, sanitizer_report


def has_global(k, name):
    return k.cli('type(%s)' % name) == 'table\n'


# --- kresd -h / -V -----------------------------------------------------------

def test_help_documents_every_option():
    out = subprocess.run([str(KRESD), '-h'], capture_output=True, text=True, timeout=5)
    assert out.returncode == 0
    for short, long_ in (('-a', '--addr'), ('-c', '--config'), ('-k', '--keyfile'), ('-f', '--forks'),
                         ('-n', '--noninteractive'), ('-q', '--quiet'), ('-v', '--verbose'),
                         ('-V', '--version'), ('-h', '--help')):
        assert re.search(r'^\s+%s, %s' % (short, long_), out.stdout, re.M), (short, out.stdout)
    out = subprocess.run([str(KRESD), '-V'], capture_output=True, text=True, timeout=5)
    assert out.returncode == 0 and re.match(r'kresd, version \d+\.\d+', out.stdout)


# --- Environment and globals ------------------------------------------------

def test_cli_globals(kresd):
    k = kresd('', interactive=True)
    out = k.cli('help()')
    for item in ('help()', 'hostname(', 'moduledir(', 'verbose(', 'mode(', 'reorder_RR(', 'resolve(',
                 'event.reschedule', 'event.socket', 'worker.stats', 'kres.type'):
        assert item in out, item
    assert k.cli('hostname()') == socket.gethostname() + '\n'
    assert k.cli("hostname('resolver.example')") == 'resolver.example\n'
    assert k.cli('hostname()') == 'resolver.example\n'
    assert k.cli('env.USER') == '%s\n' % (os.environ.get('USER') or 'nil')
    assert k.cli('env.HOME') == os.environ['HOME'] + '\n'
    assert k.cli('moduledir()') == str(k.moduledir) + '\n'
    assert k.cli('verbose(true)') == 'true\n'
    assert k.cli('verbose(false)') == 'false\n'
    for m in ('strict', 'permissive', 'normal'):
        assert k.cli("mode('%s')" % m) == m + '\n'
    assert k.cli('reorder_RR()') == 'false\n'
    assert k.cli('reorder_RR(true)') == 'true\n'
    assert k.cli("option('REORDER_RR')") == 'true\n'
    assert k.cli('pid') == '%d\n' % k.pid
    assert k.cli('worker.count') == '1\n'
    assert k.cli('worker.id') == '0\n'
    # units: times in milliseconds, sizes in bytes
    assert k.cli('5 * hour') == '18000000\n'
    assert k.cli('10*MB') == '10485760\n'
    assert k.cli('kB + sec + minute + day') == '%d\n' % (1024 + 1000 + 60000 + 86400000)
    assert k.cli("#todname('example.com')") == '13\n'
    # user(): a bad name is an error; as root, user('root') keeps us root
    out = k.cli("user('baduser')")
    assert out.startswith('error: ') and 'invalid user name' in out, out
    if os.geteuid() == 0:
        assert k.cli("user('root')") == 'true\n'
    q, r = k.query('localhost.', 'A')
    assert r.rcode() == dns.rcode.NOERROR


def test_bad_arguments_at_cli_keep_serving(kresd):
    k = kresd('', interactive=True)
    for cmd, words in (("reorder_RR('yes')", "bad argument #1 to 'reorder_RR'"),
                       ("resolve('localhost', 'NOPE')", "unknown RR type 'NOPE'"),
                       ("resolve('a..b', kres.type.A)", 'not a valid domain name'),
                       ("resolve('localhost', kres.type.A, kres.class.IN, 0, 'cb')", 'callback function expected'),
                       ("event.after('soon', print)", "bad argument #1 to 'after'"),
                       ("event.reschedule(1, 'x')", "bad argument #2 to 'reschedule'"),
                       ("event.socket('x', print)", "bad argument #1 to 'socket'"),
                       ("kres.dname2str('x')", 'not a domain name in wire format'),
                       ("option(kres.query.TCP, 'x')", "bad argument #2 to 'option'"),
                       ("net.tls('/etc/kresd/server-cert.pem', '/etc/kresd/server-key.pem')",
                        "cannot read the certificate file '/etc/kresd/server-cert.pem'"),
                       ("net.tls_padding('x')", 'true, false or a block size expected')):
        out = k.cli(cmd)
        assert out.startswith('error: ') and words in out, (cmd, out)
    assert k.alive()
    q, r = k.query('localhost.', 'A', proto='tcp')
    assert r.rcode() == dns.rcode.NOERROR


@pytest.mark.parametrize('line,words', [
    ("reorder_RR('yes')", "bad argument #1 to 'reorder_RR'"),
    ("resolve('localhost', {})", "bad argument #2 to 'resolve'"),
    ("event.reschedule(event.after(10, print), 'x')", "bad argument #2 to 'reschedule'"),
    ("kres.rr2str({})", 'owner must be a domain name'),
    ("net.tls('cert.pem', 'key.pem')", "cannot read the certificate file 'cert.pem'"),
    ("modules.load('luabroken')", 'luabroken.lua:2:'),
])
def test_bad_arguments_in_config(run_kresd, moduledir, line, words):
    (moduledir / 'luabroken.lua').write_text('local M = {}\nerror("broken module")\nreturn M\n')
    config = '-- line 1\n\n%s\n' % line
    rc, err, secs = run_kresd(config)
    assert rc != 0 and 'config:3:' in err and words in err, err


# --- Configuration syntax ---------------------------------------------------

def test_configuration_example(kresd):
    """net = {...}; modules = {...}; cache.size (the policy part needs the policy plugin)."""
    port = next_port()
    k = kresd("net = { '127.0.0.1', '::1' }\n"
              "net.listen('127.0.0.1', %d)\n"
              "modules = {\n        'hints' -- no configuration\n}\n"
              "if rawget(_G, 'cache') then cache.size = 10*MB end\n" % port,
              listen=False, port=port, interactive=True)
    out = k.cli('net.list()')
    assert '[ip] => 127.0.0.1' in out and '[ip] => ::1' in out, out
    assert k.cli('net.list()[1].transport.ip') in ('127.0.0.1\n', '::1\n')
    assert k.cli("net.list()[1].transport.port") in ('53\n', '%d\n' % port)
    assert 'hints' in k.cli('modules.list()')
    if has_global(k, 'policy'):
        assert k.cli("modules = { 'policy' }") == ''


def test_modules_with_config(kresd, hostsfile):
    hosts = hostsfile('192.0.2.10 printer.lan\n')
    k = kresd("modules = {\n        hints = {file = '%s'}\n}\n" % hosts)
    q, r = k.query('printer.lan.', 'A')
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].to_text() == '192.0.2.10'
    k2 = kresd("modules.load('hints')\nhints.config({file = '%s'})\n" % hosts)
    q, r = k2.query('printer.lan.', 'A')
    assert r.answer[0][0].to_text() == '192.0.2.10'


def test_precedence_example(kresd, moduledir):
    """The reference's order with the plugins that exist; Lua modules stand for policy and view."""
    for name in ('refpolicy', 'refview'):
        (moduledir / (name + '.lua')).write_text('return { layer = {} }\n')
    k = kresd("modules = {\n"
              "   'hints  > iterate', -- Hints AFTER iterate\n"
              "   'refpolicy > hints',   -- Policy AFTER hints\n"
              "   'refview   < iterate'  -- View BEFORE iterate\n"
              "}\n"
              "order = table.concat(modules.list(), ' ') -- Check module call order\n",
              interactive=True)
    order = k.cli('order').split()
    assert order.index('refview') + 1 == order.index('iterate'), order
    assert order.index('iterate') + 1 == order.index('hints'), order
    assert order.index('hints') + 1 == order.index('refpolicy'), order


def test_dynamic_configuration_interfaces(kresd):
    """`for name, addr_list in pairs(net.interfaces()) do net.listen(addr_list) end` (port 53)."""
    k = kresd("for name, addr_list in pairs(net.interfaces()) do\n"
              "        net.listen(addr_list)\n"
              "end\n", interactive=True)
    out = k.cli("#net.list()")
    listed = k.cli("local s = {} for _, e in ipairs(net.list()) do "
                   "table.insert(s, e.transport.ip .. '@' .. e.transport.port) end return table.concat(s, ' ')")
    assert '127.0.0.1@53' in listed and '::1@53' in listed, listed
    assert int(out) >= 6, out
    r = k.udp(make_query('localhost.', 'A'))
    assert r.rcode() == dns.rcode.NOERROR
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.sendto(make_query('localhost.', 'A').to_wire(), ('127.0.0.1', 53))
        assert s.recv(512)


def test_addr_prefix_example(kresd):
    """The env.EXPECTED_ADDR_PREFIX loop (completed: the reference elides its end)."""
    port = next_port()
    os.environ['EXPECTED_ADDR_PREFIX'] = '127.'
    try:
        k = kresd("addrpref = env.EXPECTED_ADDR_PREFIX\n"
                  "for name, addr_list in pairs(net.interfaces()) do\n"
                  "for k, v in pairs(addr_list[\"addr\"]) do\n"
                  "        if string.sub(v,1,string.len(addrpref)) == addrpref then\n"
                  "                net.listen(v, %d)\n"
                  "        end\n"
                  "end\n"
                  "end\n" % port, listen=False, port=port, interactive=True)
    finally:
        del os.environ['EXPECTED_ADDR_PREFIX']
    assert k.cli('#net.list()') == '2\n'   # 127.0.0.1 on UDP and TCP
    assert k.cli('net.list()[1].transport.ip') == '127.0.0.1\n'


@pytest.fixture
def eth_interfaces():
    """eth0 and eth1 (ifb links) with addresses, in the test's own namespace."""
    made = []
    for name, addr in (('eth0', '198.18.0.10'), ('eth1', '198.18.1.10')):
        res = subprocess.run(['ip', 'link', 'add', name, 'type', 'ifb'], capture_output=True, text=True)
        if res.returncode != 0:
            for n in made:
                subprocess.run(['ip', 'link', 'del', n])
            pytest.skip('cannot make interface %s: %s' % (name, res.stderr.strip()))
        made.append(name)
        # no IPv6 link-local address (it could not be bound without a scope)
        subprocess.run(['ip', 'link', 'set', 'dev', name, 'addrgenmode', 'none'], capture_output=True)
        subprocess.run(['ip', 'addr', 'add', addr + '/32', 'dev', name], check=True)
        subprocess.run(['ip', 'link', 'set', name, 'up'], check=True)
    yield {'eth0': '198.18.0.10', 'eth1': '198.18.1.10'}
    for n in made:
        subprocess.run(['ip', 'link', 'del', n])


@pytest.mark.parametrize('host', ['hidden', 'other'])
def test_dynamic_configuration_hostname(kresd, eth_interfaces, host):
    """if hostname() == 'hidden' then net.listen(net.eth0, 5353) else net = { ..., net.eth1.addr[1] } end"""
    k = kresd("hostname('%s')\n"
              "if hostname() == 'hidden' then\n"
              "        net.listen(net.eth0, 5353)\n"
              "else\n"
              "        net = { '127.0.0.1', net.eth1.addr[1] }\n"
              "end\n" % host, interactive=True)
    listed = k.cli("local s = {} for _, e in ipairs(net.list()) do "
                   "table.insert(s, e.transport.ip .. '@' .. e.transport.port) end return table.concat(s, ' ')")
    if host == 'hidden':
        assert '%s@5353' % eth_interfaces['eth0'] in listed, listed
        assert '%s@53' % eth_interfaces['eth1'] not in listed, listed
    else:
        assert '%s@53' % eth_interfaces['eth1'] in listed and '127.0.0.1@53' in listed, listed
    # net = { '127.0.0.1', net.eth0, net.eth1.addr[1] }
    out = k.cli("net = { '127.0.0.1', net.eth0, net.eth1.addr[1] }")
    assert out == '', out
    listed = k.cli("local s = {} for _, e in ipairs(net.list()) do "
                   "table.insert(s, e.transport.ip .. '@' .. e.transport.port) end return table.concat(s, ' ')")
    assert '%s@53' % eth_interfaces['eth0'] in listed, listed


def test_require_third_party(kresd, tmp_path):
    """require() through package.path and package.cpath (a pure Lua package and a C one)."""
    lua_dir = tmp_path / 'lua'
    lua_dir.mkdir()
    (lua_dir / 'greeting.lua').write_text("local M = {}\nfunction M.hello(n) return 'hello ' .. n end\nreturn M\n")
    src = tmp_path / 'adder.c'
    src.write_text('#include <lua.h>\n#include <lauxlib.h>\n'
                   'static int add(lua_State *L) { lua_pushnumber(L, luaL_checknumber(L, 1) + luaL_checknumber(L, 2)); return 1; }\n'
                   'int luaopen_adder(lua_State *L) { lua_newtable(L); lua_pushcfunction(L, add); lua_setfield(L, -2, "add"); return 1; }\n')
    cflags = subprocess.run(['pkg-config', '--cflags', 'lua5.1'], capture_output=True, text=True).stdout.split()
    res = subprocess.run([os.environ.get('CC_FOR_TESTS', 'cc'), '-shared', '-fPIC'] + cflags +
                         [str(src), '-o', str(lua_dir / 'adder.so')], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    k = kresd("package.path = '%s/?.lua;' .. package.path\n"
              "package.cpath = '%s/?.so;' .. package.cpath\n"
              "local greeting = require('greeting')\n"
              "local adder = require('adder')\n"
              "answer = greeting.hello(adder.add(40, 2))\n" % (lua_dir, lua_dir), interactive=True)
    assert k.cli('answer') == 'hello 42\n'
    out = k.cli("require('socket.http')")
    if out.startswith('error: '):   # luasocket is not installed: a clear error
        assert "module 'socket.http' not found" in out, out


# --- Events -----------------------------------------------------------------

def wait_cli(k, expr, want, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        out = k.cli(expr)
        if out == want or time.monotonic() > deadline:
            return out
        time.sleep(0.05)


def test_event_examples(kresd):
    k = kresd("-- every 5 minutes\n"
              "event.recurrent(5 * minute, function()\n"
              "        cache.prune()\n"
              "end)\n"
              # the pruner closure, with `end` for the reference's `fi`, a counter for cache.prune()
              "prunes = 0\n"
              "local minute = 20\n"
              "-- make a closure, encapsulating counter\n"
              "function pruner()\n"
              "        local i = 0\n"
              "        -- pruning function\n"
              "        return function(e)\n"
              "                prunes = prunes + 1\n"
              "                -- cancel event on 5th attempt\n"
              "                i = i + 1\n"
              "                if i == 5 then\n"
              "                        event.cancel(e)\n"
              "                end\n"
              "        end\n"
              "end\n"
              "\n"
              "-- make recurrent event that will cancel after 5 times\n"
              "pruner_id = event.recurrent(5 * minute, pruner())\n"
              "e = event.after(1 * minute, function() print('Hi!') end)\n"
              "cancelled = event.cancel(e)\n", interactive=True)
    assert wait_cli(k, 'prunes', '5\n') == '5\n'
    time.sleep(0.3)
    assert k.cli('prunes') == '5\n'   # cancelled itself
    assert k.cli('event.cancel(pruner_id)') == 'false\n'
    assert k.cli('cancelled') == 'true\n'
    assert 'Hi!' not in k.stdout_path.read_text()


def test_event_after_and_recurrent_print(kresd):
    k = kresd("local minute, sec = 50, 50\n"
              "event.after(1 * minute, function() print('Hi!') end)\n"
              "msg_count = 0\n"
              "event.recurrent(5 * sec, function(e)\n"
              "   msg_count = msg_count + 1\n"
              "   print('Hi #'..msg_count)\n"
              "   if msg_count == 3 then event.cancel(e) end\n"
              "end)\n", interactive=True)
    assert wait_cli(k, 'msg_count', '3\n') == '3\n'
    out = k.stdout_path.read_text()
    assert 'Hi!' in out and 'Hi #1' in out and 'Hi #3' in out, out


def test_event_reschedule_example(kresd):
    k = kresd("local minute = 200\n"
              "fired = {}\n"
              "local interval = 1 * minute\n"
              "event.after(1 * minute, function (ev)\n"
              "   print('Good morning!')\n"
              "   table.insert(fired, ev)\n"
              "   -- Halven the interval for each iteration\n"
              "   interval = interval / 2\n"
              "   if interval >= 20 then event.reschedule(ev, interval) end\n"
              "end)\n", interactive=True)
    # 200 ms, then 100, 50, 25: four runs, each with the same event id
    assert wait_cli(k, '#fired', '4\n') == '4\n'
    time.sleep(0.2)
    assert k.cli('#fired') == '4\n'
    assert k.cli('fired[1] == fired[4]') == 'true\n'
    assert k.stdout_path.read_text().count('Good morning!') == 4


def test_event_socket_example(tmp_path, moduledir):
    """event.socket(0, ...) on kresd's stdin (a pipe), then `e.cancel(e)` as written."""
    (tmp_path / 'config').write_text(
        "net.listen('127.0.0.1', %d)\n"
        "e = event.socket(0, function(e, status, nevents)\n"
        "   print('activity detected')\n"
        "end)\n"
        "e.cancel(e)\n"
        "w = event.socket(0, function(e, status, nevents)\n"
        "   print('watch', e == w, status, nevents)\n"
        "   io.stdout:flush()\n"
        "   event.cancel(e)\n"
        "end)\n" % next_port())
    r, w = os.pipe()
    p = subprocess.Popen([str(KRESD), '-n', '-c', 'config', str(tmp_path)], cwd=tmp_path,
                         env=kresd_env(moduledir), stdin=r, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    os.close(r)
    try:
        time.sleep(0.5)
        os.write(w, b'x')
        time.sleep(0.5)
        assert p.poll() is None, p.stderr.read()
        p.terminate()
        out, err = p.communicate(timeout=5)
    finally:
        os.close(w)
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    assert not sanitizer_report(err), err
    assert 'watch\ttrue\t0\t1' in out, (out, err)
    assert 'activity detected' not in out


# --- resolve() and kres --------------------------------------------------------

RESOLVE_EXAMPLE = """
-- Query for AAAA record
resolve('example.com', kres.type.AAAA, kres.class.IN, 0,
function (answer, req)
   -- Check answer RCODE
   local pkt = kres.pkt_t(answer)
   if pkt:rcode() == kres.rcode.NOERROR then
      -- Print matching records
      local records = pkt:section(kres.section.ANSWER)
      for i = 1, #records do
         local rr = records[i]
         if rr.type == kres.type.AAAA then
            print ('record:', kres.rr2str(rr))
         end
      end
   else
      print ('rcode: ', pkt:rcode())
   end
end)
"""


def test_resolve_example(kresd):
    """The reference's resolve() example, example.com answered by hints."""
    k = kresd("hints['example.com'] = '2001:db8::1'\n" + RESOLVE_EXAMPLE, interactive=True)
    k.cli('1')   # flushes what the config printed
    out = k.stdout_path.read_text()
    assert re.search(r'record:\texample\.com\.\s+\d+\s+IN\s+AAAA\s+2001:db8::1', out), out
    # The same typed at the CLI, and the NXDOMAIN-less failure branch (a name nobody answers).
    one_line = ' '.join(ln for ln in RESOLVE_EXAMPLE.splitlines() if not ln.strip().startswith('--'))
    k.cli(one_line)
    k.cli(one_line.replace("'example.com'", "'nowhere.invalid.'"))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        k.cli('1')   # flushes what the callbacks printed
        out = k.stdout_path.read_text()
        if out.count('record:') == 2 and 'rcode: ' in out:
            break
        time.sleep(0.1)
    assert out.count('record:') == 2 and re.search(r'rcode: \t\d+', out), out
    # Send query for root DNSKEY, ignore cache (nothing answers here): true
    assert k.cli("resolve('.', kres.type.DNSKEY, kres.class.IN, kres.query.NO_CACHE)") == 'true\n'
    assert k.alive()


def test_resolve_callback_objects(kresd):
    k = kresd("", interactive=True)
    k.cli("resolve('localhost', kres.type.A, kres.class.IN, 0, function (pkt, req) "
          "res = { rcode = pkt:rcode(), qname = kres.dname2str(pkt:qname()), qtype = pkt:qtype(), "
          "qclass = pkt:qclass(), n = #pkt:section(kres.section.ANSWER), aa = pkt:aa(), "
          "resolved = kres.dname2str(req:resolved().sname), cached = req:resolved():hasflag(kres.query.CACHED) } "
          "kept = pkt end)")
    assert wait_cli(k, 'res ~= nil', 'true\n') == 'true\n'
    assert k.cli('res.rcode') == '0\n'
    assert k.cli('res.qname') == 'localhost.\n'
    assert k.cli('res.qtype == kres.type.A and res.qclass == kres.class.IN') == 'true\n'
    assert k.cli('res.n') == '1\n'
    assert k.cli('res.resolved') == 'localhost.\n'
    assert k.cli('res.cached') == 'true\n'
    out = k.cli('kept:rcode()')
    assert out.startswith('error: ') and 'no longer valid' in out, out
    out = k.cli('kres.rr2str({owner = todname("a.lab"), ttl = 60, class = kres.class.IN, '
                'type = kres.type.A, rdata = "\\192\\0\\2\\1"})')
    assert out == 'a.lab.\t60\tIN\tA\t192.0.2.1\n\n', repr(out)


def test_resolve_async_and_worker_stats(kresd, fake_upstream):
    """resolve() waiting for an upstream answer; worker.stats() counting the outgoing query."""
    up = fake_upstream(delay=0.2)
    k = kresd("modules.load('delay < iterate')\ndelay.config(%d)\n" % up.port, interactive=True)
    before = k.cli('worker.stats().udp')
    k.cli("resolve('a.slow.', kres.type.A, kres.class.IN, 0, function (pkt) "
          "got = pkt:section(kres.section.ANSWER)[1] end)")
    assert k.cli('got') == 'nil\n'   # not yet: the upstream answers after 0.2 s
    assert wait_cli(k, 'got ~= nil', 'true\n') == 'true\n'
    assert k.cli('kres.rr2str(got)').lower().startswith('a.slow.\t')   # (0x20 letter case)
    assert int(k.cli('worker.stats().udp')) == int(before) + 1
    assert int(k.cli('worker.stats().ipv4')) >= 1
    assert re.match(r'^\d+\n$', k.cli('print(worker.stats().concurrent)'))
    stats = k.cli('worker.stats()')
    for key in ('udp', 'tcp', 'ipv4', 'ipv6', 'timeout', 'concurrent', 'queries', 'dropped'):
        assert re.search(r'^\[%s\] => \d+$' % key, stats, re.M), (key, stats)
    q, r = k.query('localhost.', 'A')
    assert int(k.cli('worker.stats().queries')) >= 2   # the readiness probe and this one
    assert int(k.cli('worker.stats().client_udp')) >= 2


# --- net --------------------------------------------------------------------

def test_net_examples(kresd):
    port = next_port()
    k = kresd('', interactive=True, port=port)
    out = k.cli('net.list()')
    assert '[ip] => 127.0.0.1' in out and ('[port] => %d' % port) in out, out
    assert k.cli('net.list()[1].transport.ip') == '127.0.0.1\n'
    assert k.cli('net.bufsize(4096)') == '4096\n'
    assert k.cli('net.bufsize()') == '4096\n'
    assert k.cli('net.tcp_pipeline()').strip().isdigit()
    assert k.cli('net.tcp_pipeline(100)') == '100\n'
    out = k.cli('net.interfaces()')
    assert '[lo] => {' in out and '127.0.0.1' in out and '[mac] =>' in out, out
    p2 = next_port()
    assert k.cli("net.listen('::1', %d)" % p2) == 'true\n'
    assert k.cli('net.listen(net.lo, %d)' % (p2 + 0)) == 'true\n'   # already bound: skipped
    assert k.cli("net.lo.addr[1] ~= nil") == 'true\n'
    assert k.cli("net.listen({net.lo, '127.0.0.1'}, 53853, {tls = true})") == 'true\n'
    assert k.cli("net.list()[#net.list()].kind") == 'tls\n'
    out = k.cli("net.listen('127.0.0.1', 53854, {kind = 'doh2'})")
    assert out.startswith('error: ') and 'not supported' in out, out
    assert k.cli("net.close('::1', %d)" % p2) == 'true\n'
    assert k.cli("net.close('::1', %d)" % p2) == 'false\n'
    assert k.cli("net.outgoing_v4('127.0.0.1')") == '127.0.0.1\n'
    assert k.cli('net.outgoing_v6()') == 'nil\n'
    assert k.cli('net.ipv6 = false') == ''
    assert k.cli('net.ipv6') == 'false\n'
    assert k.cli('net.ipv4') == 'true\n'
    q, r = k.query('localhost.', 'A', proto='tcp')
    assert r.rcode() == dns.rcode.NOERROR


# --- a module written in Lua ----------------------------------------------------

COUNTER = """-- counts queries and answers one name itself
local counter = { queries = 0 }
function counter.init(module) counter.ready = true end
function counter.deinit(module) print('counter: bye') end
function counter.config(conf) counter.word = conf.word end
counter.layer = {
   begin = function (state, req)
      counter.queries = counter.queries + 1
      return state
   end,
   produce = function (state, req, pkt)
      local qry = req:current()
      if state ~= kres.PRODUCE or kres.dname2str(qry.sname) ~= 'word.lab.' then
         return state
      end
      pkt:qr(true)
      pkt:aa(true)
      pkt:begin(kres.section.ANSWER)
      pkt:put(qry.sname, 60, kres.class.IN, kres.type.TXT, string.char(#counter.word) .. counter.word)
      return kres.DONE
   end,
   answer_finalize = function (state, req)
      local answer = req.answer
      if kres.dname2str(answer:qname()) == 'blocked.localhost.' then
         answer:rcode(kres.rcode.NXDOMAIN)
      end
      return state
   end,
}
return counter
"""


def test_lua_module(kresd, moduledir):
    (moduledir / 'luacounter.lua').write_text(COUNTER)
    k = kresd("modules = { 'luacounter < hints', luacounter = { word = 'lua' } }\n"
              "hints['blocked.localhost'] = '127.0.0.9'\n", interactive=True)
    assert k.cli('luacounter.ready') == 'true\n'
    assert k.cli('modules.list()[1]') == 'luacounter\n'   # before hints
    base = int(k.cli('luacounter.queries'))
    q, r = k.query('word.lab.', 'TXT')
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].to_text() == '"lua"', r
    q, r = k.query('word.lab.', 'TXT', proto='tcp')
    assert r.answer[0][0].to_text() == '"lua"'
    q, r = k.query('blocked.localhost.', 'A')
    assert r.rcode() == dns.rcode.NXDOMAIN, r
    q, r = k.query('localhost.', 'A')
    assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].to_text() == '127.0.0.1'
    assert int(k.cli('luacounter.queries')) == base + 4
    # changed at runtime, from the CLI
    assert k.cli("luacounter.config({ word = 'changed' })") == ''
    q, r = k.query('word.lab.', 'TXT')
    assert r.answer[0][0].to_text() == '"changed"'
    assert k.cli("modules.unload('luacounter')") == 'counter: bye\ntrue\n'   # deinit printed
    assert k.cli('luacounter') == 'nil\n'
    base = int(k.cli('worker.stats().queries'))
    q, r = k.query('blocked.localhost.', 'A')
    assert r.rcode() == dns.rcode.NOERROR   # no longer rewritten


def test_lua_module_errors_keep_serving(kresd, moduledir):
    (moduledir / 'luafailing.lua').write_text(
        "return { layer = { begin = function (state, req) error('layer boom') end } }\n")
    k = kresd("modules.load('luafailing')\n", interactive=True)
    q, r = k.query('localhost.', 'A')
    assert r.rcode() == dns.rcode.SERVFAIL
    assert 'layer boom' in k.stderr()
    assert k.cli("modules.unload('luafailing')") == 'true\n'
    q, r = k.query('localhost.', 'A')
    assert r.rcode() == dns.rcode.NOERROR


# --- the configuration Deckard generates ------------------------------------------

def test_deckard_config(tmp_path, moduledir):
    """
    The parts of Deckard's generated config that exist here (net, hints, option, mode, net.ipv4/6,
    and its closing self-checks); stats, policy, trust_anchors and cache lines are used only when
    those plugins exist.
    """
    addr = '127.0.0.1'
    port = 53
    config = """
net = { '%(addr)s' }
net.outgoing_v4('%(addr)s')
net.bufsize(4096)
modules = {'hints'}
for _, m in ipairs({'stats', 'policy'}) do pcall(modules.load, m) end
if rawget(_G, 'policy') then
  policy.add(policy.all(policy.DEBUG_ALWAYS))
  policy.add(policy.suffix(policy.PASS, {todname('test.')}))
end
if rawget(_G, 'cache') then cache.size = 2*MB end
hints.root({['k.root-servers.net'] = '%(addr)s'})
option('NO_MINIMIZE', false)
option('ALLOW_LOCAL', true)
mode('normal')
if rawget(_G, 'trust_anchors') then trust_anchors.remove('.') end
net.ipv6 = false
net.ipv4 = true
if ta_update then modules.unload('ta_update') end
if ta_signal_query then modules.unload('ta_signal_query') end
if priming then modules.unload('priming') end
if detect_time_skew then modules.unload('detect_time_skew') end
assert(help() ~= nil)
assert(worker.id ~= nil)
if rawget(_G, 'cache') then
  assert(cache.stats() ~= nil)
  assert(cache.backends() ~= nil)
  assert(cache.count() == 0)
end
assert(worker.stats() ~= nil)
assert(net.interfaces() ~= nil)
assert(net.list()[1].transport.ip == '%(addr)s')
assert(#modules.list() > 0)
local ev
ev = event.recurrent(1 * sec, function (ev) return 1 end)
event.cancel(ev)
ev = event.after(0, function (ev) return 1 end)
""" % {'addr': addr}
    (tmp_path / 'config').write_text(config)
    p = subprocess.Popen([str(KRESD), '-n', str(tmp_path)], cwd=tmp_path, env=kresd_env(moduledir),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 5
        answered = False
        while time.monotonic() < deadline and p.poll() is None and not answered:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(0.2)
                try:
                    s.sendto(make_query('localhost.', 'A').to_wire(), (addr, port))
                    answered = bool(s.recv(512))
                except (socket.timeout, ConnectionRefusedError):
                    time.sleep(0.05)
        assert answered and p.poll() is None, p.stderr.read() if p.poll() is not None else 'no answer'
        p.terminate()
        out, err = p.communicate(timeout=5)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 0, err
    assert not sanitizer_report(err), err

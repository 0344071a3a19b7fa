# SPDX-License-Identifier: GPL-3.0-or-later
"""
The cache under volume and across forks:
- cache.size = 10*MB and 200k distinct names: the files stay within the size
  plus a fixed overhead, kresd keeps answering, and the recent names are still
  in the storage (a restarted kresd, with an empty in-memory front, answers
  them without asking upstream);
- the per-process front: what cache.clear() removed through one fork's control
  socket is never served again by another fork's front (counted at the
  authoritative servers).
"""
import os
import pathlib
import select
import signal
import socket
import struct
import subprocess
import time

import dns.message
import dns.query
import dns.rdatatype

import conftest
from conftest import KRESD, MODULE_DIR, Kresd
from test_cache_forks import control

WILD_ADDR = '198.18.21.1'   # *.wild.feat.lab. A (fakenet.py)


def wire_query(qid, name):
    """A query for name A (RD, no EDNS) in wire form."""
    q = struct.pack('!HHHHHH', qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip('.').split('.'):
        q += bytes([len(label)]) + label.encode()
    return q + b'\x00' + struct.pack('!HH', 1, 1)


def blast(addr, port, names, window=64, timeout=2.0, deadline=60.0):
    """Ask for every name (A) with up to `window` in flight; @return {rcode: count}, lost."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    inflight = {}           # id -> sent at
    rcodes, lost = {}, 0
    nxt, qid = 0, 0
    end = time.monotonic() + deadline
    while (nxt < len(names) or inflight) and time.monotonic() < end:
        while nxt < len(names) and len(inflight) < window:
            qid = (qid + 1) & 0xffff
            if qid in inflight:
                continue
            try:
                s.sendto(wire_query(qid, names[nxt]), (addr, port))
            except BlockingIOError:
                break
            inflight[qid] = time.monotonic()
            nxt += 1
        r, _, _ = select.select([s], [], [], 0.05)
        while r:
            try:
                data = s.recv(4096)
            except BlockingIOError:
                break
            if len(data) >= 4:
                rid = struct.unpack('!H', data[:2])[0]
                if inflight.pop(rid, None) is not None:
                    rc = data[3] & 0x0f
                    rcodes[rc] = rcodes.get(rc, 0) + 1
        now = time.monotonic()
        for rid in [i for i, t in inflight.items() if now - t > timeout]:
            del inflight[rid]
            lost += 1
    lost += len(inflight) + (len(names) - nxt)
    s.close()
    return rcodes, lost


def env_files(rundir):
    """Bytes of the Berkeley DB environment in rundir: {file: size}."""
    out = {}
    for f in pathlib.Path(rundir).iterdir():
        n = f.name
        if n == 'cache.db' or n.startswith('__db.') or (n.startswith('log.') and n[4:].isdigit()):
            out[n] = f.stat().st_size
    return out


MB = 1 << 20
OVERHEAD = 8 * MB   # regions (buffer pool size/16, locks, log buffer, transactions) and log files


def test_size_bound_200k_names(net, tmp_path):
    rundir = tmp_path / 'rundir'
    k = Kresd(rundir, next(conftest._ports), 'cache.size = 10 * MB\n').start()
    names = ['s%06d.wild.feat.lab.' % i for i in range(200000)]
    t0 = time.monotonic()
    peak = 0
    try:
        done = 0
        for start in range(0, len(names), 20000):   # the files are looked at between batches
            rcodes, lost = blast(k.addr, k.port, names[start:start + 20000],
                                 deadline=max(1.0, 55.0 - (time.monotonic() - t0)))
            done += rcodes.get(0, 0)
            peak = max(peak, sum(env_files(rundir).values()))
            assert time.monotonic() - t0 < 60, 'only %d names answered in 60 s' % done
        elapsed = time.monotonic() - t0
        files = env_files(rundir)
        stats = control(rundir / 'tty' / str(k.proc.pid), 'cache.stats()')
        conftest.measure('cache.size = 10 MB: %d of %d new names answered in %.1f s (%.0f/s); '
                         'files %.1f MiB at the end (cache.db %.1f MiB), %.1f MiB at most'
                         % (done, len(names), elapsed, done / elapsed, sum(files.values()) / MB,
                            files.get('cache.db', 0) / MB, peak / MB))
        assert done >= len(names) * 0.99, (done, stats)
        assert files.get('cache.db', 0) <= 10 * MB, (files, stats)
        assert peak <= 10 * MB + OVERHEAD, (peak, files, stats)
        # Still answering, correctly.
        _, r = k.query('after.wild.feat.lab.', 'A')
        assert r.rcode() == 0 and r.answer[0][0].address == WILD_ADDR
    finally:
        assert k.stop() == 0, k.stderr()[-3000:]
    # The recent names are in the storage: a new process (empty front) answers them alone.
    before = net.counts()
    again = Kresd(rundir, next(conftest._ports), 'cache.size = 10 * MB\n').start()
    try:
        recent = names[-200:]
        rcodes, lost = blast(again.addr, again.port, recent)
        assert rcodes.get(0, 0) == len(recent), (rcodes, lost)
    finally:
        assert again.stop() == 0, again.stderr()[-3000:]
    asked = sum(net.diff(net.counts(), before).values())
    assert asked <= len(recent) // 20, '%d of %d recent names were asked upstream' % (
        asked, len(recent))


def ask(port, name):
    r = dns.query.udp(dns.message.make_query(name, 'A'), '127.0.0.1', port=port, timeout=5.0)
    assert r.rcode() == 0, r
    assert [rd.address for rr in r.answer for rd in rr] == [WILD_ADDR], r
    return r


def stat(tty, pid, key):
    out = control(tty / str(pid), 'cache.stats().%s' % key).strip()
    assert out.isdigit(), out
    return int(out)


def test_clear_empties_other_forks_front(net, tmp_path):
    rundir = tmp_path / 'rundir'
    k = Kresd(rundir, next(conftest._ports))   # writes the config
    env = dict(os.environ, KRESD_MODULE_DIR=str(MODULE_DIR), ASAN_OPTIONS='detect_leaks=0')
    err = open(rundir / 'stderr.log', 'wb')
    proc = subprocess.Popen([str(KRESD), '-n', '-f', '2', '-c', 'config', str(rundir)], cwd=rundir,
                            env=env, stdin=subprocess.DEVNULL, stdout=err, stderr=err)
    try:
        tty = rundir / 'tty'
        deadline = time.monotonic() + 10
        while (not tty.exists() or len(os.listdir(tty)) < 2) and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = sorted(int(p) for p in os.listdir(tty))
        assert len(pids) == 2, (rundir / 'stderr.log').read_text()
        a, b = proc.pid, [p for p in pids if p != proc.pid][0]
        # A listener of its own for each fork, so the test knows who answers.
        port_a, port_b = next(conftest._ports), next(conftest._ports)
        for pid, port in ((a, port_a), (b, port_b)):
            out = control(tty / str(pid), "net.listen('127.0.0.1', %d)" % port)
            assert 'error' not in out, out
        name = 'front.wild.feat.lab.'
        ask(port_a, name)                       # fork A resolves and stores
        before = net.counts()
        ask(port_b, name)                       # fork B: from the storage, into its front
        hits = stat(tty, b, 'front_hit')
        ask(port_b, name)                       # fork B: from its front
        assert stat(tty, b, 'front_hit') > hits
        assert sum(net.diff(net.counts(), before).values()) == 0
        # cleared through fork A: fork B's front must not answer it any more
        out = control(tty / str(a), "cache.clear('*.wild.feat.lab')").strip()
        assert out == 'true', out
        before = net.counts()
        hits = stat(tty, b, 'front_hit')
        ask(port_b, name)
        assert sum(net.diff(net.counts(), before).values()) >= 1, 'fork B answered cleared data'
        # and afterwards both serve the new data from the cache again
        before = net.counts()
        ask(port_b, name)
        ask(port_a, name)
        assert sum(net.diff(net.counts(), before).values()) == 0
        assert stat(tty, b, 'front_hit') > hits
    finally:
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(10)
        err.close()
    text = (rundir / 'stderr.log').read_text(errors='replace')
    assert rc == 0, text[-3000:]
    assert 'AddressSanitizer' not in text and 'runtime error:' not in text, text[-3000:]


def test_unload_stops_watchdog(kresd, tree):
    """The cache's watchdog thread stops before the plugin is unloaded (dlclose)."""
    k = kresd()
    ask_port = k.port
    r = dns.query.udp(dns.message.make_query('www.feat.lab.', 'A'), k.addr, port=ask_port,
                      timeout=5.0)
    assert r.rcode() == 0
    tty = k.workdir / 'tty' / str(k.proc.pid)
    out = control(tty, "modules.unload('cache')").strip()
    assert 'error' not in out.lower(), out
    time.sleep(0.5)   # several watchdog ticks: a thread left behind would run unmapped code
    assert k.proc.poll() is None, k.stderr()[-3000:]
    r = dns.query.udp(dns.message.make_query('www.feat.lab.', 'A'), k.addr, port=ask_port,
                      timeout=5.0)
    assert r.rcode() == 0
    assert k.proc.poll() is None, k.stderr()[-3000:]

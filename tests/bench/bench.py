# SPDX-License-Identifier: GPL-3.0-or-later
"""
kresd benchmark: our kresd against Debian's Knot Resolver 5.6 and Unbound,
one at a time, resolving from a fake Internet of knotd servers.

Runs INSIDE a private network namespace (tests/bench/run makes one with
`unshare -n`); refuses to run when any interface other than `lo` exists.

Fake Internet (knotd, one process per zone level, so every referral is seen):
  .            on 198.41.0.4 (a.root-servers.net)
  bench. lab.  on 198.18.0.1 (a.nic.bench)
  big.bench.   on 198.18.1.1 and 198.18.1.2, BIG_NAMES names n000000..nNNNNNN (A)
Every zone is signed (signnet.py: algorithm 13, NSEC, DS in the parents) and
the three resolvers validate with the fake root's DS as their only trust
anchor; each must set AD for a name of big.bench. before anything is
measured. --no-validation serves the zones unsigned and turns validation off.

Every load is bounded in count and time. Prints one Markdown table and
writes it, with the raw figures (JSON) and callgrind profiles, to OUTDIR.
"""
import argparse
import json
import os
import pathlib
import platform
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

import signnet

ROOT_ADDR = '198.41.0.4'
TLD_ADDR = '198.18.0.1'
BIG_ADDRS = ['198.18.1.1', '198.18.1.2']
PORT = 5300
RES_CPU = '0'
CLIENT_CPU = '1'
TICK = os.sysconf('SC_CLK_TCK')

KNOT_CONF = '''server:
    rundir: "{dir}"
    listen: [ {listen} ]
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{dir}"
control:
    listen: "{dir}/knot.sock"
log:
  - target: stderr
    any: warning
mod-stats:
  - id: default
    request-protocol: on
template:
  - id: default
    storage: "{dir}"
    global-module: mod-stats/default
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
zone:
{zones}'''


def log(*a):
    print('[bench %s]' % time.strftime('%H:%M:%S'), *a, file=sys.stderr, flush=True)


def sh(*args, **kw):
    return subprocess.run(list(args), check=True, capture_output=True, text=True, timeout=60, **kw)


# --- the fake Internet ---------------------------------------------------------

def soa(origin):
    return '%s 3600 SOA ns.%s hostmaster.%s 1 3600 600 86400 300' % (
        origin, origin if origin != '.' else 'root.', origin if origin != '.' else '')


def zones(big_names):
    z = {}
    z['.'] = [soa('.'), '. 86400 NS a.root-servers.net.',
              'a.root-servers.net. 86400 A ' + ROOT_ADDR,
              'bench. 86400 NS a.nic.bench.', 'lab. 86400 NS a.nic.bench.',
              'a.nic.bench. 86400 A ' + TLD_ADDR]
    z['bench.'] = [soa('bench.'), 'bench. 86400 NS a.nic.bench.',
                   'a.nic.bench. 86400 A ' + TLD_ADDR,
                   'big.bench. 86400 NS ns1.big.bench.', 'big.bench. 86400 NS ns2.big.bench.',
                   'ns1.big.bench. 86400 A ' + BIG_ADDRS[0],
                   'ns2.big.bench. 86400 A ' + BIG_ADDRS[1]]
    z['lab.'] = [soa('lab.'), 'lab. 86400 NS a.nic.bench.']
    big = [soa('big.bench.'), 'big.bench. 86400 NS ns1.big.bench.',
           'big.bench. 86400 NS ns2.big.bench.',
           'ns1.big.bench. 86400 A ' + BIG_ADDRS[0], 'ns2.big.bench. 86400 A ' + BIG_ADDRS[1]]
    for i in range(big_names):
        # TTL one day: nothing expires during the run
        big.append('n%06d.big.bench. 86400 A 10.%d.%d.%d' % (i, i >> 16, (i >> 8) & 255, i & 255))
    z['big.bench.'] = big
    return z


LEVELS = {'root': (['.'], [ROOT_ADDR]), 'tld': (['bench.', 'lab.'], [TLD_ADDR]),
          'big': (['big.bench.'], BIG_ADDRS)}


class Knotd:
    def __init__(self, name, workdir, zonetexts, addrs):
        self.name, self.addrs, self.zonetexts = name, addrs, zonetexts
        self.dir = workdir / ('knotd-' + name)
        self.proc = None

    def start(self):
        self.dir.mkdir(parents=True, exist_ok=True)
        entries = ''
        for origin, lines in self.zonetexts.items():
            f = self.dir / ((origin.rstrip('.') or 'root') + '.zone')
            f.write_text('\n'.join(lines) + '\n')
            entries += '  - domain: "%s"\n    file: "%s"\n' % (origin, f)
        (self.dir / 'knot.conf').write_text(KNOT_CONF.format(
            dir=self.dir, listen=', '.join('%s@53' % a for a in self.addrs), zones=entries))
        self.logf = open(self.dir / 'knotd.log', 'wb')
        self.proc = subprocess.Popen(['knotd', '-c', str(self.dir / 'knot.conf')],
                                     stdin=subprocess.DEVNULL, stdout=self.logf, stderr=self.logf)

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        for origin in self.zonetexts:
            for a in self.addrs:
                while True:
                    if self.proc.poll() is not None:
                        raise RuntimeError('knotd %s died: %s' % (self.name, (self.dir / 'knotd.log').read_text()))
                    r = subprocess.run(['kdig', '+short', '+timeout=1', '+retry=0', '@' + a, 'SOA', origin],
                                       capture_output=True, text=True)
                    if r.returncode == 0 and r.stdout.strip():
                        break
                    if time.monotonic() > deadline:
                        raise RuntimeError('knotd %s does not serve %s on %s' % (self.name, origin, a))
                    time.sleep(0.2)

    def queries(self):
        r = subprocess.run(['knotc', '-s', str(self.dir / 'knot.sock'), 'stats', 'mod-stats'],
                           capture_output=True, text=True, timeout=20)
        return sum(int(l.rsplit('=', 1)[1]) for l in r.stdout.splitlines()
                   if l.startswith('mod-stats.request-protocol['))

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class FakeNet:
    """The knotd servers. validation: zones signed, `trust_anchor` the root's DS line,
    `sign_secs` what the signing cost (seconds, wall clock); else unsigned, None."""

    def __init__(self, workdir, big_names, validation=True):
        z = zones(big_names)
        self.trust_anchor, self.sign_secs = None, None
        if validation:
            z, self.trust_anchor, self.sign_secs = signnet.sign_net(z, 'big.bench.')
        self.knots = [Knotd(n, workdir, {o: z[o] for o in origins}, addrs)
                      for n, (origins, addrs) in LEVELS.items()]

    def start(self):
        for k in self.knots:
            for a in k.addrs:
                sh('ip', 'addr', 'add', a + '/32', 'dev', 'lo')
        try:
            for k in self.knots:
                k.start()
            for k in self.knots:
                k.wait_ready()
        except BaseException:
            self.stop()
            raise

    def queries(self):
        return sum(k.queries() for k in self.knots)

    def stop(self):
        for k in reversed(self.knots):
            k.stop()


# --- the resolvers -------------------------------------------------------------

class Resolver:
    """One resolver configuration; start() gives its top-level PIDs."""
    key = label = ''

    def __init__(self, workdir, ta=None):
        self.workdir = workdir
        self.ta = ta      # the root's DS line; None: validation off
        self.procs = []

    def commands(self, rundir, procs):
        raise NotImplementedError

    def start(self, tag, procs=1, wrap=(), cpus=RES_CPU):
        rundir = self.workdir / ('%s-%s' % (self.key, tag))
        rundir.mkdir(parents=True)
        self.rundir = rundir
        self.procs = []
        self.logs = []
        for i, (cmd, cwd) in enumerate(self.commands(rundir, procs)):
            lf = open(rundir / ('stderr%d.log' % i), 'wb')
            self.logs.append(lf)
            full = ['taskset', '-c', cpus] + list(wrap) + cmd
            self.procs.append(subprocess.Popen(full, cwd=cwd, stdin=subprocess.DEVNULL,
                                               stdout=lf, stderr=lf, start_new_session=True))
        self.wait_ready(60 if wrap else 20)

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for p in self.procs:
                if p.poll() is not None:
                    raise RuntimeError('%s exited with %s:\n%s' % (self.label, p.returncode, self.logtext()))
            r = subprocess.run(['kdig', '+timeout=1', '+retry=0', '-p', str(PORT), '@127.0.0.1',
                                'SOA', 'big.bench.'], capture_output=True, text=True)
            if 'status: NOERROR' in r.stdout:
                return
            if time.monotonic() > deadline:
                raise RuntimeError('%s does not answer:\n%s\n%s' % (self.label, r.stdout, self.logtext()))
            time.sleep(0.3)

    def logtext(self):
        out = ''
        for f in sorted(self.rundir.glob('stderr*.log')):
            out += f.read_text(errors='replace')[-3000:]
        return out

    def pids(self):
        """Every process of the resolver (top-level ones and their children, e.g. forks)."""
        top = {p.pid for p in self.procs}
        ppid = {}
        for d in os.listdir('/proc'):
            if d.isdigit():
                try:
                    st = open('/proc/%s/stat' % d).read()
                    ppid[int(d)] = int(st.rsplit(')', 1)[1].split()[1])
                except OSError:
                    pass
        out = set(top)
        changed = True
        while changed:
            changed = False
            for pid, pp in ppid.items():
                if pp in out and pid not in out:
                    out.add(pid)
                    changed = True
        return sorted(out)

    def cpu(self):
        """utime+stime of all its processes, seconds."""
        return sum(self.cpu_split())

    def cpu_split(self):
        """(utime, stime) of all its processes, seconds."""
        user = system = 0
        for pid in self.pids():
            try:
                f = open('/proc/%d/stat' % pid).read().rsplit(')', 1)[1].split()
                user += int(f[11])
                system += int(f[12])
            except OSError:
                pass
        return user / TICK, system / TICK

    def rss(self):
        """VmRSS of all its processes, MiB (forks share the cache mapping: counted per process)."""
        total = 0
        for pid in self.pids():
            try:
                for line in open('/proc/%d/status' % pid):
                    if line.startswith('VmRSS:'):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total / 1024

    def stop(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        for lf in self.logs:
            lf.close()
        self.procs = []


class Ours(Resolver):
    key, label = 'ours', 'kresd (ours)'

    def __init__(self, workdir, kresd, ta=None):
        super().__init__(workdir, ta)
        self.kresd = kresd

    def commands(self, rundir, procs):
        (rundir / 'config').write_text(
            "net.listen('127.0.0.1', %d)\n"
            "hints.root({['a.root-servers.net.'] = '%s'})\n"
            "trust_anchors.remove('.')\n"
            "%s"
            "cache.size = 100*MB\n" % (PORT, ROOT_ADDR, ta_add(self.ta)))
        cmd = [self.kresd, '-n', '-c', 'config']
        if procs > 1:
            cmd += ['-f', str(procs)]
        return [(cmd + [str(rundir)], rundir)]


def ta_add(ta):
    """Lua for kresd (ours and 5.6 alike): the fake root's anchor after remove('.')."""
    return "trust_anchors.add('%s')\n" % ta if ta else ''


class KnotResolver(Resolver):
    """Debian's Knot Resolver 5.6: its compiled-in root anchor (root.key) removed, the fake
    root's DS added when validating (validation off without it); two processes = two
    instances sharing the cache and (SO_REUSEPORT) the port, as systemd runs it."""
    key, label = 'kr56', 'Knot Resolver 5.6'
    binary = '/usr/sbin/kresd'

    def commands(self, rundir, procs):
        cachedir = rundir / 'cache'
        cachedir.mkdir()
        (rundir / 'config').write_text(
            "net.listen('127.0.0.1', %d, { kind = 'dns' })\n"
            "net.ipv6 = false\n"
            "trust_anchors.remove('.')\n"
            "%s"
            "modules.unload('ta_update')\nmodules.unload('ta_signal_query')\n"
            "modules.unload('detect_time_skew')\nmodules.unload('priming')\n"
            "modules.load('hints > iterate')\n"
            "hints.root({['a.root-servers.net.'] = '%s'})\n"
            "cache.open(100*MB, 'lmdb://%s')\n" % (PORT, ta_add(self.ta), ROOT_ADDR, cachedir))
        out = []
        for i in range(procs):
            d = rundir / ('inst%d' % i)
            d.mkdir()
            out.append(([self.binary, '-n', '-q', '-c', str(rundir / 'config'), str(d)], d))
        return out


class Unbound(Resolver):
    key, label = 'unbound', 'Unbound'

    def commands(self, rundir, procs):
        (rundir / 'root.hints').write_text(
            '. 3600000 NS a.root-servers.net.\na.root-servers.net. 3600000 A %s\n' % ROOT_ADDR)
        (rundir / 'unbound.conf').write_text('''server:
    interface: 127.0.0.1@{port}
    access-control: 127.0.0.0/8 allow
    num-threads: {procs}
    chroot: ""
    username: ""
    directory: "{dir}"
    pidfile: ""
    use-syslog: no
    logfile: ""
    verbosity: 0
    root-hints: "{dir}/root.hints"
    module-config: "{modules}"
{anchor}    qname-minimisation: yes
    do-ip6: no
    msg-cache-size: 32m
    rrset-cache-size: 64m
    so-reuseport: yes
remote-control:
    control-enable: no
'''.format(port=PORT, procs=procs, dir=rundir,
           modules='validator iterator' if self.ta else 'iterator',
           anchor='    trust-anchor: "%s"\n' % self.ta if self.ta else ''))
        return [(['/usr/sbin/unbound', '-d', '-p', '-c', str(rundir / 'unbound.conf')], rundir)]


# --- the client ----------------------------------------------------------------

def dnsperf(qfile, *extra, cpus=CLIENT_CPU, timeout=180, verbose=False):
    cmd = ['taskset', '-c', cpus, 'dnsperf', '-s', '127.0.0.1', '-p', str(PORT), '-d', str(qfile),
           '-t', '5'] + list(extra)
    if verbose:
        cmd.append('-v')
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    out = r.stdout
    res = {}
    for key, pat in (('sent', r'Queries sent:\s+(\d+)'), ('completed', r'Queries completed:\s+(\d+)'),
                     ('lost', r'Queries lost:\s+(\d+)'), ('qps', r'Queries per second:\s+([\d.]+)'),
                     ('runtime', r'Run time \(s\):\s+([\d.]+)'),
                     ('noerror', r'NOERROR (\d+)')):
        m = re.search(pat, out)
        res[key] = float(m.group(1)) if m else 0.0
    if r.returncode != 0 or not res['sent']:
        raise RuntimeError('dnsperf failed (%s): %s %s' % (r.returncode, out[-2000:], r.stderr[-2000:]))
    if verbose:
        lat = []
        for line in out.splitlines():
            if line.startswith('> '):
                try:
                    lat.append(float(line.split()[-1]))
                except ValueError:
                    pass
        res['latencies'] = lat
    return res


def write_qfile(path, names):
    path.write_text(''.join('%s A\n' % n for n in names))
    return path


def pct(values, p):
    v = sorted(values)
    if not v:
        return None
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]


# --- the measurements ----------------------------------------------------------

AD_NAME = 'n000000.big.bench.'


def check_validation(res, validation):
    """A fresh resolver asked AD_NAME with DO: with validation it must answer NOERROR with
    the A record and AD; without, no AD. @return None if so, else what was wrong."""
    try:
        res.start('adcheck')
    except RuntimeError as e:      # e.g. SERVFAIL for the SOA of big.bench.: bogus
        res.stop()
        return '%s did not start answering: %s' % (res.label, e)
    try:
        r = subprocess.run(['kdig', '+dnssec', '+timeout=5', '+retry=1', '-p', str(PORT),
                            '@127.0.0.1', 'A', AD_NAME], capture_output=True, text=True, timeout=30)
        m = re.search(r';; Flags: ([^;]*);', r.stdout)
        flags = m.group(1).split() if m else []
        ok = ('status: NOERROR' in r.stdout and re.search(r'^%s\s+\d+\s+IN\s+A\s' % re.escape(AD_NAME),
                                                          r.stdout, re.M) is not None
              and ('ad' in flags) == validation)
        if ok:
            log('%s: %s A answered, flags %s' % (res.label, AD_NAME, ' '.join(flags)))
            return None
        return '%s: %s A with DO: expected NOERROR with the A record and %s:\n%s%s\n%s' % (
            res.label, AD_NAME, 'AD' if validation else 'no AD', r.stdout, r.stderr, res.logtext())
    finally:
        res.stop()


def measure_cold_hot(res, net, files, args, R):
    """Fresh resolver: cold run over distinct names, then hot cache runs."""
    res.start('single')
    try:
        # cold: every name once, bounded in time
        q0, c0, t0 = net.queries(), res.cpu(), time.monotonic()
        d = dnsperf(files['cold'], '-n', '1', '-l', str(args.cold_limit), '-q', str(args.cold_outstanding),
                    timeout=args.cold_limit + 60)
        wall = time.monotonic() - t0
        cpu, up = res.cpu() - c0, net.queries() - q0
        R['cold_names'] = d['completed']
        R['cold_noerror'] = d['noerror']
        R['cold_nps'] = d['completed'] / d['runtime'] if d['runtime'] else None
        R['cold_upstream_per_answer'] = up / d['completed'] if d['completed'] else None
        R['cold_cpu_per_1000'] = 1000 * cpu / d['completed'] if d['completed'] else None
        R['cold_lost'] = d['lost']
        R['rss_after_cold'] = res.rss()
        log('%s cold: %d/%d answered (%d NOERROR) in %.1f s, %d upstream, cpu %.2f s' % (
            res.label, d['completed'], d['sent'], d['noerror'], wall, up, cpu))
        # warm up the 1000 hot names (twice), then the timed hot run
        for _ in range(2):
            dnsperf(files['hot'], '-n', '1', '-q', '20', '-l', '60')
        q0, (u0, s0) = net.queries(), res.cpu_split()
        d = dnsperf(files['hot'], '-l', str(args.hot_seconds), '-q', '100', timeout=args.hot_seconds + 60)
        u1, s1 = res.cpu_split()
        cpu = (u1 - u0) + (s1 - s0)
        R['hot_cpu_user_share'] = (u1 - u0) / cpu if cpu else None
        R['hot_qps'] = d['qps']
        R['hot_cpu_per_1000'] = 1000 * cpu / d['completed'] if d['completed'] else None
        R['hot_upstream'] = net.queries() - q0
        R['hot_lost'] = d['lost']
        log('%s hot: %.0f qps, %d answered, %d lost, cpu %.2f s (user %.2f, system %.2f), upstream %d' % (
            res.label, d['qps'], d['completed'], d['lost'], cpu, u1 - u0, s1 - s0, R['hot_upstream']))
        # latency at a fixed rate that every resolver sustains, -v (client CPU) in its own run
        d = dnsperf(files['hot'], '-l', str(args.lat_seconds), '-Q', str(args.lat_qps), '-q', '100',
                    verbose=True, timeout=args.lat_seconds + 60)
        lat = d['latencies']
        R['lat_median_us'] = 1e6 * statistics.median(lat) if lat else None
        R['lat_p99_us'] = 1e6 * pct(lat, 99) if lat else None
        R['lat_samples'] = len(lat)
        R['rss_after_hot'] = res.rss()
        log('%s latency @%d qps: median %.0f us, p99 %.0f us (%d samples)' % (
            res.label, args.lat_qps, R['lat_median_us'] or -1, R['lat_p99_us'] or -1, len(lat)))
    finally:
        res.stop()


def measure_two(res, files, args, R):
    """Two processes / threads, hot cache; resolver on both CPUs, the client too."""
    res.start('two', procs=2, cpus='0,1')
    try:
        for _ in range(2):
            dnsperf(files['hot'], '-n', '1', '-q', '20', '-l', '60', cpus='0,1')
        u0, s0 = res.cpu_split()
        d = dnsperf(files['hot'], '-l', str(args.hot_seconds), '-q', '200', '-c', '4', '-T', '1',
                    cpus='0,1', timeout=args.hot_seconds + 60)
        u1, s1 = res.cpu_split()
        cpu = (u1 - u0) + (s1 - s0)
        R['two_qps'] = d['qps']
        R['two_cpu_per_1000'] = 1000 * cpu / d['completed'] if d['completed'] else None
        R['two_rss'] = res.rss()
        log('%s two processes: %.0f qps, cpu %.2f s (user %.2f, system %.2f)' % (
            res.label, d['qps'], cpu, u1 - u0, s1 - s0))
    finally:
        res.stop()


def callgrind_total(path):
    for line in open(path, errors='replace'):
        if line.startswith('summary:') or line.startswith('totals:'):
            return int(line.split()[1])
    return None


def dump(res, pid, out, outdir, tag):
    """callgrind_control -d: dump (and zero) the counters; copy and annotate the dump."""
    before = set(out.glob('callgrind.out.*'))
    sh('callgrind_control', '-d', str(pid))
    deadline = time.monotonic() + 30
    while True:
        new = [p for p in set(out.glob('callgrind.out.*')) - before if p.stat().st_size > 0]
        if new:
            time.sleep(0.5)    # let it finish writing
            break
        if time.monotonic() > deadline:
            raise RuntimeError('no callgrind dump')
        time.sleep(0.2)
    dest = outdir / ('callgrind-%s-%s.out' % (res.key, tag))
    dest.write_bytes(new[0].read_bytes())
    ann = subprocess.run(['callgrind_annotate', str(dest)], capture_output=True, text=True, timeout=120)
    (outdir / ('callgrind-%s-%s.txt' % (res.key, tag))).write_text(ann.stdout)
    ann = subprocess.run(['callgrind_annotate', '--inclusive=yes', str(dest)], capture_output=True,
                         text=True, timeout=120)
    (outdir / ('callgrind-%s-%s-inclusive.txt' % (res.key, tag))).write_text(ann.stdout)
    return callgrind_total(dest)


def measure_callgrind(res, files, args, R, outdir):
    out = res.workdir / ('cg-%s' % res.key)
    out.mkdir()
    wrap = ['valgrind', '--tool=callgrind', '--instr-atstart=no',
            '--callgrind-out-file=%s/callgrind.out.%%p' % out]
    res.start('callgrind', wrap=wrap)
    try:
        for _ in range(2):
            dnsperf(files['hot'], '-n', '1', '-q', '10', '-l', '120', timeout=200)
        pid = res.procs[0].pid
        sh('callgrind_control', '-i', 'on', str(pid))
        d = dnsperf(files['hot10k'], '-n', '1', '-q', '10', '-l', '300', timeout=400)
        total = dump(res, pid, out, outdir, 'hot')
        R['instr_per_answer'] = total / d['completed'] if total and d['completed'] else None
        R['cg_answers'] = d['completed']
        log('%s callgrind hot: %s instructions for %d answers' % (res.label, total, d['completed']))
        # cold: names never asked before (the dump above zeroed the counters)
        d = dnsperf(files['cgcold'], '-n', '1', '-q', '10', '-l', '300', timeout=400)
        total = dump(res, pid, out, outdir, 'cold')
        R['cold_instr_per_answer'] = total / d['completed'] if total and d['completed'] else None
        log('%s callgrind cold: %s instructions for %d answers' % (res.label, total, d['completed']))
    finally:
        res.stop()


# --- the table ----------------------------------------------------------------

ROWS = [
    ('hot_qps', 'hot: answers/s (dnsperf, 20 s, 1000 names)', '%.0f', True),
    ('lat_median_us', 'hot: median latency, us (fixed rate)', '%.0f', False),
    ('lat_p99_us', 'hot: p99 latency, us (fixed rate)', '%.0f', False),
    ('hot_cpu_per_1000', 'hot: CPU s per 1000 answers', '%.4f', False),
    ('hot_cpu_user_share', 'hot: share of that CPU in user space', '%.2f', False),
    ('instr_per_answer', 'hot: instructions per answer (callgrind, 10k)', '%.0f', False),
    ('cold_instr_per_answer', 'cold: instructions per answer (callgrind, 5k new names)', '%.0f', False),
    ('cold_nps', 'cold: names resolved/s', '%.0f', True),
    ('cold_upstream_per_answer', 'cold: upstream queries per answer', '%.3f', False),
    ('cold_cpu_per_1000', 'cold: CPU s per 1000 answers', '%.4f', False),
    ('rss_after_cold', 'RSS after cold run, MiB', '%.1f', False),
    ('rss_after_hot', 'RSS after hot runs, MiB', '%.1f', False),
    ('two_qps', 'two processes, hot: answers/s', '%.0f', True),
    ('two_cpu_per_1000', 'two processes, hot: CPU s per 1000 answers', '%.4f', False),
    ('two_rss', 'two processes: RSS sum, MiB', '%.1f', False),
]


def fmt(v, f):
    if v is None:
        return 'n/a'
    if isinstance(v, str):
        return v
    return f % v


def table(results, order):
    head = '| figure | ' + ' | '.join(results[k]['label'] for k in order) + ' | ours/unbound |'
    lines = [head, '|' + ' --- |' * (len(order) + 2)]
    for key, label, f, _ in ROWS:
        cells = [fmt(results[k].get(key, results[k].get('err_' + key)), f) for k in order]
        o, u = results.get('ours', {}).get(key), results.get('unbound', {}).get(key)
        ratio = '%.2f' % (o / u) if isinstance(o, (int, float)) and isinstance(u, (int, float)) and u else 'n/a'
        lines.append('| %s | %s | %s |' % (label, ' | '.join(cells), ratio))
    return '\n'.join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--kresd', required=True)
    ap.add_argument('--workdir', required=True)
    ap.add_argument('--outdir', required=True)
    ap.add_argument('--big-names', type=int, default=100000)
    ap.add_argument('--cold-names', type=int, default=50000)
    ap.add_argument('--cold-limit', type=int, default=60)
    ap.add_argument('--cold-outstanding', type=int, default=100)
    ap.add_argument('--hot-seconds', type=int, default=20)
    ap.add_argument('--lat-seconds', type=int, default=5)
    ap.add_argument('--lat-qps', type=int, default=5000)
    ap.add_argument('--only', default='ours,kr56,unbound')
    ap.add_argument('--skip', default='', help='comma list of: cold_hot,two,callgrind')
    ap.add_argument('--no-validation', action='store_true',
                    help='unsigned zones, no trust anchor: validation off in all three')
    args = ap.parse_args()

    # SIGTERM (from `timeout`) unwinds like an exception: every server is stopped by PID
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    names = sorted(n for _, n in socket.if_nameindex())
    if names != ['lo']:
        sys.exit('refusing to run outside a private network namespace (interfaces: %s)' % names)
    sh('ip', 'link', 'set', 'lo', 'up')
    work, outdir = pathlib.Path(args.workdir), pathlib.Path(args.outdir)
    outdir.mkdir(parents=True, exist_ok=True)

    hot = ['n%06d.big.bench.' % i for i in range(1000)]
    cold = ['n%06d.big.bench.' % i for i in range(1000, 1000 + min(args.cold_names, args.big_names - 1000))]
    files = {'hot': write_qfile(work / 'hot.txt', hot),
             'hot10k': write_qfile(work / 'hot10k.txt', hot * 10),
             'cold': write_qfile(work / 'cold.txt', cold),
             # callgrind's cold names: the last 5k of the zone, never in the cold run
             'cgcold': write_qfile(work / 'cgcold.txt', ['n%06d.big.bench.' % i for i in
                                                         range(max(1000, args.big_names - 5000),
                                                               args.big_names)])}

    validation = not args.no_validation
    log('%s the fake Internet (%d names in big.bench.)' % (
        'signing' if validation else 'starting', args.big_names))
    net = FakeNet(work, args.big_names, validation)
    if validation:
        log('signed in %.1f s wall (big.bench.: %.1f s, its spot check %.1f s); trust anchor %s' % (
            net.sign_secs['sign_all'], net.sign_secs['sign_big'], net.sign_secs['spot_check'],
            net.trust_anchor))
    net.start()
    skip = set(filter(None, args.skip.split(',')))
    ta = net.trust_anchor
    all_res = {'ours': Ours(work, args.kresd, ta), 'kr56': KnotResolver(work, ta),
               'unbound': Unbound(work, ta)}
    order = [k for k in ('ours', 'kr56', 'unbound') if k in args.only.split(',')]
    results = {k: {'label': all_res[k].label} for k in order}
    try:
        # each resolver must validate (AD) before anything is measured: fail loudly otherwise
        bad = [e for e in (check_validation(all_res[k], validation) for k in order) if e]
        if bad:
            print('\nbench: VALIDATION CHECK FAILED, nothing measured:\n\n' + '\n\n'.join(bad),
                  file=sys.stderr)
            return 3
        for k in order:
            res, R = all_res[k], results[k]
            for part, fn in (('cold_hot', lambda: measure_cold_hot(res, net, files, args, R)),
                             ('two', lambda: measure_two(res, files, args, R)),
                             ('callgrind', lambda: measure_callgrind(res, files, args, R, outdir))):
                if part in skip:
                    continue
                log('%s: %s' % (res.label, part))
                try:
                    fn()
                except Exception as e:  # keep going: a failed part is n/a in the table
                    log('%s %s FAILED: %s' % (res.label, part, e))
                    R.setdefault('errors', []).append('%s: %s' % (part, str(e)[:500]))
                    res.stop()
    finally:
        net.stop()

    t = table(results, order)
    kv = lambda c: subprocess.run(c, capture_output=True, text=True).stdout.strip()
    ver = lambda pkg: kv(['dpkg-query', '-W', '-f', '${Version}', pkg])
    head = ('Date: %s  \nMachine: %s, %d CPUs (%s), kernel %s  \n'
            'Versions: kresd (ours) git %s built -O2; knot-resolver %s; unbound %s; dnsperf %s; '
            'knot %s  \n'
            '%s  \n'
            'Resolver pinned to CPU %s, dnsperf to CPU %s (two-process rows: both on CPUs 0,1); '
            'knotd unpinned.\n' % (
                time.strftime('%Y-%m-%d %H:%M %Z'), platform.node(), os.cpu_count(),
                _cpu_model(), platform.release(), os.environ.get('KRESD_GIT', '?'),
                ver('knot-resolver'), ver('unbound'), ver('dnsperf'), ver('knot'),
                validation_line(net), RES_CPU, CLIENT_CPU))
    print(head)
    print(t)
    for k in order:
        for e in results[k].get('errors', []):
            print('\n%s: %s' % (results[k]['label'], e))
    (outdir / 'table.md').write_text(head + '\n' + t + '\n')
    results['_setup'] = {'validation': validation, 'trust_anchor': net.trust_anchor,
                         'sign_secs': net.sign_secs, 'big_names': args.big_names}
    (outdir / 'results.json').write_text(json.dumps(results, indent=1, default=str))
    return 0


def validation_line(net):
    if not net.trust_anchor:
        return 'Validation: OFF for all three (--no-validation: unsigned zones, no trust anchor).'
    return ('Validation: ON for all three (every zone signed, algorithm 13 ECDSA P-256, KSK+ZSK, '
            'NSEC, one RRSIG per RR set; the fake root\'s DS as the only trust anchor; AD checked '
            'for %s before measuring). Signing took %.1f s wall, %.1f s of it big.bench.' % (
                AD_NAME, net.sign_secs['sign_all'], net.sign_secs['sign_big']))


def _cpu_model():
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'):
                return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return '?'


if __name__ == '__main__':
    sys.exit(main())

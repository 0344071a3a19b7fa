# SPDX-License-Identifier: GPL-3.0-or-later
"""
Scenario conformance runner: replays `.rpl` scenarios against a real kresd.

    runner.py [--jobs N] [--known-failures FILE] [--timeout S] PATH...   (the corpus)
    runner.py --case FILE VARIANT --result OUT.json                       (one test case)

PATH is a scenario file or a directory of them.  Each scenario is run once per
query-minimisation variant it allows: `qmin` and `noqmin`, or only the one its
`query-minimization:` config line asks for.  A test case is named NAME+VARIANT
(NAME alone when the scenario fixes the variant).

Each test case runs in its own private network namespace (`unshare -n`): the
runner adds every address the scenario names to `lo`, serves UDP and TCP port 53
on each of them from the scenario's RANGEs (and one-shot REPLY steps), starts
one `kresd -n` with a `config` generated in the form Deckard generates for Knot
Resolver, with the wall clock faked by libfaketime (start from
`val-override-date`/`val-override-timestamp`, moved by TIME_PASSES), then plays
the STEPs.  A test case fails when a step fails (no answer, an answer that does
not match CHECK_ANSWER, ...), when kresd asks a question the scenario has no
answer for, when a MANDATORY entry never fired, when the config does not load,
or when kresd does not exit with status 0 on SIGTERM.

Must run as root inside a network namespace (run.sh makes one); needs Debian's
python3 with dnspython, iproute2, util-linux's unshare and libfaketime.
"""
import argparse
import binascii
import calendar
import concurrent.futures
import difflib
import ipaddress
import json
import math
import os
import pathlib
import random
import re
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import rpl  # noqa: E402

FAKETIME_LIB = os.environ.get('KRESD_FAKETIME_LIB',
                              '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1')
# Addresses of kresd and of the client (the runner); not used by any scenario.
SELF4, CLIENT4 = '127.66.0.53', '127.66.0.1'
SELF6, CLIENT6 = 'fd00:6b72:6573::53', 'fd00:6b72:6573::1'
QUERY_TIMEOUT = float(os.environ.get('KRESD_SCENARIO_QUERY_TIMEOUT', '10'))   # generous: CI machines are shared
RESEND = 3.0   # seconds before a QUERY step's query is sent again
START_TIMEOUT = 5.0


def str2bool(value):
    return value.strip('"\'').lower() in ('yes', 'true', 'on', '1')


# --- configuration -----------------------------------------------------------

class Setup:
    """What the scenario's CONFIG asks for, turned into kresd terms."""

    def __init__(self, scn, qmin_default):
        self.qmin = qmin_default
        self.do_not_query_localhost = True
        self.harden_glue = True
        self.do_ip4 = True
        self.do_ip6 = True
        self.stub_addr = None
        self.forward_addr = None
        self.timestamp = None
        self.trust_anchors = {}        # domain (dns.name) -> [TA lines]
        self.insecure = []
        self.features = {}
        self.feature_lists = {}        # key -> [values]
        self.force_ipv6 = False
        for key, value in scn.config:
            val = value.strip()
            unq = val.strip('"\'')
            if key == 'query-minimization':
                self.qmin = str2bool(val)
            elif key == 'do-not-query-localhost':
                self.do_not_query_localhost = str2bool(val)
            elif key == 'harden-glue':
                self.harden_glue = str2bool(val)
            elif key == 'do-ip4':
                self.do_ip4 = str2bool(val)
            elif key == 'do-ip6':
                self.do_ip6 = str2bool(val)
            elif key == 'stub-addr':
                self.stub_addr = unq
            elif key == 'stub-name':
                pass                    # only the address matters to kresd's hints.root
            elif key == 'forward-addr':
                self.forward_addr = unq
            elif key == 'force-ipv6':
                self.force_ipv6 = str2bool(val)
            elif key == 'trust-anchor':
                ta = ' '.join(unq.split())
                owner = dns.name.from_text(ta.split()[0])
                self.trust_anchors.setdefault(owner, []).append(ta)
            elif key == 'domain-insecure':
                self.insecure.append(unq)
            elif key == 'val-override-timestamp':
                self.timestamp = int(unq)
            elif key == 'val-override-date':
                self.timestamp = calendar.timegm(time.strptime(unq, '%Y%m%d%H%M%S'))
            elif key == 'features':
                for item in val.split(';'):
                    k, _, v = item.partition('=')
                    if k.strip():
                        self.features[k.strip()] = v.strip()
            elif key == 'feature-list':
                k, _, v = val.partition('=')
                self.feature_lists.setdefault(k.strip(), []).append(v.strip())
            else:
                raise ValueError('unsupported CONFIG key %r' % key)
        v6 = (self.stub_addr and ':' in self.stub_addr) or self.force_ipv6
        self.self_addr = SELF6 if v6 else SELF4
        self.client_addr = CLIENT6 if v6 else CLIENT4

    @staticmethod
    def variants(scn):
        """The query-minimisation variants the scenario allows."""
        fixed = [v for k, v in scn.config if k == 'query-minimization']
        if fixed:
            return ['qmin' if str2bool(fixed[-1]) else 'noqmin']
        return ['qmin', 'noqmin']

    def config_text(self, rundir):
        """kresd's `config`, in the form Deckard generates for Knot Resolver."""
        lua = lambda b: 'true' if b else 'false'  # noqa: E731
        out = []
        if os.environ.get('KRESD_SCENARIO_LOGS'):
            out.append('verbose(true)')
        if os.environ.get('KRESD_SCENARIO_PREVIEW'):
            # Diagnostics only (never used for PASS/FAIL of the real run): stand-ins
            # for configuration APIs that do not exist yet, to see how iteration
            # and the cache do on scenarios whose config would not load.
            out.append('-- PREVIEW: stand-ins for missing APIs')
            out.append('local _nop = setmetatable({}, {__index = function () '
                       'return function () return {} end end})')
            for name in ('trust_anchors', 'dns64', 'renumber'):
                out.append('%s = %s or _nop' % (name, name))
        out.append("net = { '%s' }" % self.self_addr)
        if ':' in self.self_addr:
            out.append("net.outgoing_v6('%s')" % self.self_addr)
        else:
            out.append("net.outgoing_v4('%s')" % self.self_addr)
        out.append('net.bufsize(4096)')
        out.append("modules = {'stats', 'policy', 'hints'}")
        out.append('policy.add(policy.all(policy.DEBUG_ALWAYS))')
        out.append("policy.add(policy.suffix(policy.PASS, {todname('test.')}))")
        out.append('cache.size = 2*MB')
        if self.stub_addr:
            out.append("hints.root({['k.root-servers.net'] = '%s'})" % self.stub_addr)
        out.append("option('NO_MINIMIZE', %s)" % lua(not self.qmin))
        out.append("option('ALLOW_LOCAL', %s)" % lua(not self.do_not_query_localhost))
        out.append("mode('%s')" % ('normal' if self.harden_glue else 'permissive'))
        out.append("trust_anchors.remove('.')")
        tadir = rundir / 'ta'
        for owner, lines in self.trust_anchors.items():
            tadir.mkdir(exist_ok=True)
            fname = tadir / ((owner.to_text(omit_final_dot=True) or 'root') + '.key')
            fname.write_text(''.join(line + '\n' for line in lines))
            out.append("trust_anchors.add_file('%s')" % fname)
        if self.insecure:
            out.append('trust_anchors.set_insecure({%s})' %
                       ', '.join("'%s'" % d for d in self.insecure))
        out.append('net.ipv6 = %s' % lua(self.do_ip6))
        out.append('net.ipv4 = %s' % lua(self.do_ip4))
        if self.forward_addr:
            out.append("policy.add(policy.all(policy.FORWARD('%s')))" % self.forward_addr)
        feat = self.features
        if 'min_ttl' in feat:
            out.append('cache.min_ttl(%s)' % feat['min_ttl'])
        if 'max_ttl' in feat:
            out.append('cache.max_ttl(%s)' % feat['max_ttl'])
        if 'dns64_prefix' in feat:
            out.append("modules.load('dns64')")
            out.append("dns64.config('%s')" % feat['dns64_prefix'])
        if 'static_hint_name' in feat and 'static_hint_addr' in feat:
            out.append("hints['%s'] = '%s'" % (feat['static_hint_name'],
                                                 feat['static_hint_addr']))
        if 'renumber_src' in feat and 'renumber_dst' in feat:
            out.append("modules.load('renumber')")
            out.append("renumber.config({{'%s', '%s'}})" % (feat['renumber_src'],
                                                            feat['renumber_dst']))
        for line in self.feature_lists.get('policy', []):
            out.append(line)
        if 'view' in self.feature_lists:
            out.append("modules.load('view')")
            out.extend(self.feature_lists['view'])
        if str2bool(feat.get('workarounds', 'false')):
            out.append("modules = { 'workarounds < iterate' }")
        for mod in ('ta_update', 'ta_signal_query', 'priming', 'detect_time_skew'):
            out.append("if %s then modules.unload('%s') end" % (mod, mod))
        out += [
            'assert(help() ~= nil)',
            'assert(worker.id ~= nil)',
            'assert(cache.count() == 0)',
            'assert(cache.stats() ~= nil)',
            'assert(cache.backends() ~= nil)',
            'assert(worker.stats() ~= nil)',
            'assert(net.interfaces() ~= nil)',
            "assert(net.list()[1].transport.ip == '%s')" % self.self_addr,
            'assert(#modules.list() > 0)',
            'local ev = event.recurrent(1 * sec, function (ev) return 1 end)',
            'event.cancel(ev)',
            'ev = event.after(0, function (ev) return 1 end)',
            'event.cancel(ev)',
        ]
        return '\n'.join(out) + '\n'


IP_RE = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:.]+")


def scenario_addresses(scn, setup):
    """Every address the scenario names: ADDRESS lines, stub/forward addresses,
    addresses in config values, and every A/AAAA record of every entry."""
    found = []

    def add(text):
        try:
            addr = ipaddress.ip_address(text)
        except ValueError:
            return
        if (addr.is_multicast or addr.is_unspecified or addr.is_loopback and addr.version == 6
                or str(addr) == '255.255.255.255'):
            return
        if str(addr) not in found:
            found.append(str(addr))

    for rng in scn.ranges:
        for a in rng.addresses:
            add(a)
    for _, value in scn.config:
        for m in IP_RE.findall(value):
            add(m)
    for entry in scn.all_entries():
        if entry.message is None:
            continue
        for sect in (entry.message.answer, entry.message.authority, entry.message.additional):
            for rrset in sect:
                if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA):
                    for rd in rrset:
                        add(rd.address)
    return [a for a in found if a not in (SELF4, SELF6, CLIENT4, CLIENT6)]


# --- matching ----------------------------------------------------------------

class Mismatch(Exception):
    pass


def _q(msg):
    return msg.question[0] if msg.question else None


def flags_text(flags):
    return ' '.join(f for f in rpl.HEADER_FLAGS if flags & dns.flags.from_text(f))


def rr_text(rrset):
    return rrset.to_text()


def compare_section(name, exp, got):
    for rr in exp:
        if rr not in got:
            raise Mismatch('%s: expected record not in the answer: %s' % (name, rr_text(rr)))
    for rr in got:
        if rr not in exp:
            raise Mismatch('%s: unexpected record: %s' % (name, rr_text(rr)))
    if len(exp) != len(got):
        raise Mismatch('%s: expected %d records, got %d' % (name, len(exp), len(got)))


def match_field(field, exp, got):
    """Raise Mismatch when `got` differs from `exp` in `field` (a MATCH word)."""
    if field == 'opcode':
        if exp.opcode() != got.opcode():
            raise Mismatch('opcode: expected %s, got %s' % (
                dns.opcode.to_text(exp.opcode()), dns.opcode.to_text(got.opcode())))
    elif field in ('qtype', 'qname', 'qcase'):
        eq, gq = _q(exp), _q(got)
        if eq is None and gq is None:
            return
        if eq is None or gq is None:
            raise Mismatch('%s: expected %s, got %s' % (field, eq, gq))
        if field == 'qtype' and eq.rdtype != gq.rdtype:
            raise Mismatch('qtype: expected %s, got %s' % (
                dns.rdatatype.to_text(eq.rdtype), dns.rdatatype.to_text(gq.rdtype)))
        if field == 'qname' and eq.name != gq.name:
            raise Mismatch('qname: expected %s, got %s' % (eq.name, gq.name))
        if field == 'qcase' and eq.name.labels != gq.name.labels:
            raise Mismatch('qcase: expected %s, got %s' % (eq.name, gq.name))
    elif field == 'subdomain':
        eq = _q(exp)
        if eq is None:
            return
        qname = _q(got).name if got.question else dns.name.root
        if not qname.is_subdomain(eq.name):
            raise Mismatch('subdomain: %s is not under %s' % (qname, eq.name))
    elif field == 'flags':
        if flags_text(exp.flags) != flags_text(got.flags):
            raise Mismatch('flags: expected "%s", got "%s"' % (flags_text(exp.flags),
                                                              flags_text(got.flags)))
    elif field == 'rcode':
        if exp.rcode() != got.rcode():
            raise Mismatch('rcode: expected %s, got %s' % (dns.rcode.to_text(exp.rcode()),
                                                          dns.rcode.to_text(got.rcode())))
    elif field in ('answer', 'authority', 'additional'):
        compare_section(field, getattr(exp, field), getattr(got, field))
    elif field in ('answertypes', 'answerrrsigs'):
        def types(sect, sigs):
            return sorted({(r.covers, 1) if r.covers else (r.rdtype, 0) for r in sect
                           if sigs or r.rdtype != dns.rdatatype.RRSIG})
        sigs = field == 'answerrrsigs'
        if types(exp.answer, sigs) != types(got.answer, sigs):
            raise Mismatch('%s differ' % field)
    elif field == 'edns':
        if exp.edns != got.edns or exp.payload != got.payload:
            raise Mismatch('edns: expected version %d payload %d, got version %d payload %d'
                           % (exp.edns, exp.payload, got.edns, got.payload))
    elif field == 'nsid':
        def nsid(msg):
            for opt in msg.options:
                if opt.otype == dns.edns.NSID:
                    return opt.to_wire() if hasattr(opt, 'to_wire') else opt.data
            return None
        if nsid(exp) != nsid(got):
            raise Mismatch('nsid: expected %r, got %r' % (nsid(exp), nsid(got)))
    else:
        raise Mismatch('unknown MATCH field %s' % field)


def entry_matches(entry, msg):
    """None when `msg` matches the entry, else the first Mismatch text."""
    for field in sorted(entry.match_fields()):
        try:
            match_field(field, entry.message, msg)
        except Mismatch as ex:
            return str(ex)
    return None


def make_reply(entry, query, query_wire):
    """Bytes to send for `query` from the template `entry` (None: stay silent)."""
    adjust = entry.adjust_fields()
    if 'do_not_answer' in adjust:
        return None
    if entry.raw is not None:
        wire = bytearray(entry.raw)
        if 'raw_id' in adjust and len(wire) >= 2:
            wire[0:2] = query_wire[0:2]
        return bytes(wire)
    tmpl = entry.message
    msg = dns.message.Message(id=tmpl.id)
    msg.flags = tmpl.flags
    msg.question = list(tmpl.question)
    msg.answer = list(tmpl.answer)
    msg.authority = list(tmpl.authority)
    msg.additional = list(tmpl.additional)
    if 'copy_id' in adjust or 'copy_query' in adjust:
        if 'copy_id' in adjust:
            msg.id = query.id
            if msg.question and query.question:
                q = msg.question[0]
                msg.question[0] = dns.rrset.RRset(query.question[0].name, q.rdclass, q.rdtype)
        if 'copy_query' in adjust:
            msg.question = list(query.question)
        # EDNS as the query had it (DO echoed), options of the template.
        if query.edns >= 0:
            msg.use_edns(query.edns, query.ednsflags, tmpl.payload, options=tmpl.options)
        else:
            msg.use_edns(False)
    else:
        msg.use_edns(tmpl.edns, tmpl.ednsflags, tmpl.payload, options=tmpl.options)
    msg.set_rcode(tmpl.rcode())
    msg.set_opcode(tmpl.opcode())
    return msg.to_wire(max_size=65535)


# --- the fake network --------------------------------------------------------

class FakeNet:
    """UDP and TCP servers on port 53 of every scenario address."""

    def __init__(self, scn, addresses):
        self.scn = scn
        self.addresses = addresses
        self.range_addresses = set()
        for rng in scn.ranges:
            self.range_addresses.update(rng.addresses)
        self.step_id = 0
        self.recording = True
        self.lock = threading.Lock()
        self.queries = []          # (time, step id, proto, dst, text)
        self.unmatched = []        # failure texts
        self.fired = {}            # id(entry) -> count
        self.consumed = set()      # id(entry) of used one-shot REPLY entries
        self.out_queries = []      # parsed queries, for CHECK_OUT_QUERY
        self.out_cond = threading.Condition(self.lock)
        self.sel = selectors.DefaultSelector()
        self.socks = []
        self.stop_r, self.stop_w = os.pipe()
        self.thread = None

    def open(self):
        for addr in self.addresses:
            fam = socket.AF_INET6 if ':' in addr else socket.AF_INET
            u = socket.socket(fam, socket.SOCK_DGRAM)
            t = socket.socket(fam, socket.SOCK_STREAM)
            for s in (u, t):
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if fam == socket.AF_INET6:
                    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                s.bind((addr, 53))
                s.setblocking(False)
                self.socks.append(s)
            t.listen(64)
            self.sel.register(u, selectors.EVENT_READ, ('udp', addr))
            self.sel.register(t, selectors.EVENT_READ, ('listen', addr))
        self.sel.register(self.stop_r, selectors.EVENT_READ, ('stop', None))
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def close(self):
        os.write(self.stop_w, b'x')
        if self.thread:
            self.thread.join(5)
        for s in self.socks:
            s.close()

    def _loop(self):
        tcpbuf = {}
        while True:
            for key, _ in self.sel.select():
                kind, addr = key.data
                sock = key.fileobj
                if kind == 'stop':
                    return
                try:
                    if kind == 'udp':
                        while True:
                            try:
                                data, peer = sock.recvfrom(65535)
                            except BlockingIOError:
                                break
                            reply = self.handle(data, addr, 'udp')
                            if reply is not None:
                                try:
                                    sock.sendto(reply, peer)
                                except OSError:
                                    pass
                    elif kind == 'listen':
                        try:
                            conn, _ = sock.accept()
                        except BlockingIOError:
                            continue
                        conn.setblocking(True)
                        conn.settimeout(2)
                        tcpbuf[conn] = b''
                        self.socks.append(conn)
                        self.sel.register(conn, selectors.EVENT_READ, ('tcp', addr))
                    elif kind == 'tcp':
                        try:
                            data = sock.recv(65535)
                        except OSError:
                            data = b''
                        if not data:
                            self.sel.unregister(sock)
                            sock.close()
                            tcpbuf.pop(sock, None)
                            continue
                        buf = tcpbuf[sock] + data
                        while len(buf) >= 2:
                            size = struct.unpack('!H', buf[:2])[0]
                            if len(buf) < 2 + size:
                                break
                            msg, buf = buf[2:2 + size], buf[2 + size:]
                            reply = self.handle(msg, addr, 'tcp')
                            if reply is not None:
                                try:
                                    sock.sendall(struct.pack('!H', len(reply)) + reply)
                                except OSError:
                                    pass
                        tcpbuf[sock] = buf
                except Exception:  # keep serving; record the bug
                    with self.lock:
                        self.unmatched.append('runner error: %s' % traceback.format_exc())

    def handle(self, wire, dst, proto):
        with self.lock:
            step_id = self.step_id
            recording = self.recording
        try:
            query = dns.message.from_wire(wire, one_rr_per_rrset=True)
        except Exception as ex:
            text = 'unparsable query to %s (%s) at step %d: %s' % (dst, proto, step_id, ex)
            with self.lock:
                if recording:
                    self.unmatched.append(text)
            return None
        qtext = '%s %s' % (query.question[0].name, dns.rdatatype.to_text(
            query.question[0].rdtype)) if query.question else '<no question>'
        with self.lock:
            self.queries.append((time.monotonic(), step_id, proto, dst, qtext))
            self.out_queries.append(query)
            self.out_cond.notify_all()
        entry, why = self.find_entry(query, dst, step_id)
        if entry is None:
            with self.lock:
                if recording:
                    self.unmatched.append(
                        'no answer in the scenario for query %s to %s over %s at step %d (%s)'
                        % (qtext, dst, proto, step_id, why))
            resp = dns.message.make_response(query)
            resp.set_rcode(dns.rcode.SERVFAIL)
            return resp.to_wire()
        with self.lock:
            self.fired[id(entry)] = self.fired.get(id(entry), 0) + 1
        return make_reply(entry, query, wire)

    def find_entry(self, query, dst, step_id):
        address = dst if dst in self.range_addresses else None
        for rng in self.scn.ranges:
            if rng.eligible(step_id, address):
                for entry in rng.entries:
                    if entry_matches(entry, query) is None:
                        return entry, None
                return None, 'no entry matches in RANGE at line %d' % rng.lineno
        # One-shot replies of REPLY steps not played yet.
        with self.lock:
            for step in self.scn.steps:
                if step.id < step_id or step.type != 'REPLY':
                    continue
                left = [e for e in step.entries if id(e) not in self.consumed]
                if left and entry_matches(left[0], query) is None:
                    self.consumed.add(id(left[0]))
                    return left[0], None
        return None, 'no RANGE for this address and step, no REPLY step matches'


# --- one test case -----------------------------------------------------------

class StepFailure(Exception):
    def __init__(self, step, text, diff=''):
        super().__init__(text)
        self.step = step
        self.text = text
        self.diff = diff


def msg_text(msg):
    lines = ['opcode %s rcode %s flags %s%s' % (
        dns.opcode.to_text(msg.opcode()), dns.rcode.to_text(msg.rcode()),
        flags_text(msg.flags), ' DO' if msg.ednsflags & dns.flags.DO else '')]
    for name in ('question', 'answer', 'authority', 'additional'):
        lines.append('SECTION ' + name.upper())
        sect = getattr(msg, name)
        rrs = sorted(rr.to_text() for rr in sect) if name != 'question' else \
            ['%s %s' % (q.name, dns.rdatatype.to_text(q.rdtype)) for q in sect]
        for text in rrs:
            # TTLs are not compared: leave them out of the diff.
            parts = text.split(None, 2)
            if name != 'question' and len(parts) == 3 and parts[1].isdigit():
                text = parts[0] + ' ' + parts[2]
            lines.append(text)
    return lines


def diff_messages(exp, got):
    return '\n'.join(difflib.unified_diff(msg_text(exp), msg_text(got), 'expected', 'got',
                                          lineterm='', n=20))


class Case:
    def __init__(self, path, variant, workdir):
        self.path = pathlib.Path(path)
        self.variant = variant
        self.workdir = pathlib.Path(workdir)
        self.log = []

    def run(self):
        result = {'status': 'FAIL', 'step': None, 'reason': '', 'detail': '',
                  'scenario': str(self.path), 'variant': self.variant}
        try:
            self._run(result)
        except StepFailure as ex:
            result['step'] = ex.step
            result['reason'] = ex.text
            result['detail'] = ex.diff
        except Exception:
            result['reason'] = 'runner error'
            result['detail'] = traceback.format_exc()
        return result

    def _run(self, result):
        scn = rpl.parse_file(str(self.path))
        setup = Setup(scn, self.variant == 'qmin')
        rundir = self.workdir / 'run'
        rundir.mkdir(parents=True)
        (rundir / 'config').write_text(setup.config_text(rundir))
        addrs = scenario_addresses(scn, setup)
        self._network(addrs + [setup.self_addr, setup.client_addr])
        net = FakeNet(scn, addrs)
        net.open()
        start = setup.timestamp if setup.timestamp is not None else int(time.time())
        clock = FakeClock(rundir / 'faketime', start)
        kresd = self._start_kresd(rundir, setup, clock)
        failure = None
        try:
            failure = self._play(scn, setup, net, clock, kresd)
        finally:
            with net.lock:
                net.recording = False
            status, stderr = self._stop_kresd(kresd, rundir)
            net.close()
            keep = os.environ.get('KRESD_SCENARIO_LOGS')
            if keep:   # debugging aid: kresd's log of each case, kept in that directory
                pathlib.Path(keep, '%s+%s.log' % (self.path.stem, self.variant)).write_text(stderr)
        if failure is None and net.unmatched:
            raise StepFailure(None, net.unmatched[0], '\n'.join(net.unmatched[1:10]))
        if failure is not None:
            if net.unmatched:
                failure.diff += '\nalso: ' + '\nalso: '.join(net.unmatched[:5])
            raise failure
        for entry in scn.all_entries():
            if entry.mandatory and not net.fired.get(id(entry)):
                raise StepFailure(None, 'MANDATORY entry at line %d never used' % entry.lineno)
        if status != 0:
            raise StepFailure(None, 'kresd exited with status %s on SIGTERM' % status,
                              stderr[-3000:])
        result['status'] = 'PASS'

    def _network(self, addrs):
        cmds = ['link set lo up']
        for a in addrs:
            if ':' in a:
                cmds.append('addr add %s/128 dev lo nodad' % a)
            elif not a.startswith('127.'):
                cmds.append('addr add %s/32 dev lo' % a)
        subprocess.run(['ip', '-force', '-batch', '-'], input='\n'.join(cmds) + '\n',
                       text=True, check=False, capture_output=True)

    def _start_kresd(self, rundir, setup, clock):
        builddir = pathlib.Path(os.environ.get('KRESD_BUILDDIR', '/work/build'))
        kresd_bin = os.environ.get('KRESD_BIN') or str(builddir / 'kresd')
        env = dict(os.environ)
        env['KRESD_MODULE_DIR'] = os.environ.get('KRESD_MODULE_DIR',
                                                 str(builddir / 'plugins-build'))
        env['ASAN_OPTIONS'] = 'detect_leaks=0:verify_asan_link_order=0:exitcode=86'
        env['LD_PRELOAD'] = FAKETIME_LIB
        env['FAKETIME_TIMESTAMP_FILE'] = str(clock.path)
        env['FAKETIME_NO_CACHE'] = '1'
        env['FAKETIME_DONT_FAKE_MONOTONIC'] = '1'
        env.pop('FAKETIME', None)
        env['TZ'] = 'UTC'
        self.stderr_path = rundir / 'kresd.log'
        with open(self.stderr_path, 'wb') as err:
            proc = subprocess.Popen([kresd_bin, '-n', '-c', str(rundir / 'config'), str(rundir)],
                                    cwd=str(rundir), env=env, stdin=subprocess.DEVNULL,
                                    stdout=err, stderr=err)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                text = self.stderr_path.read_text(errors='replace')
                raise StepFailure(None, 'config: kresd did not start (status %s): %s' % (
                    proc.returncode, config_error(text)), text[-3000:])
            # rundir/tty/PID appears once the config has loaded and kresd runs.
            if listening(setup.self_addr) and (rundir / 'tty' / str(proc.pid)).exists():
                return proc
            time.sleep(0.02)
        proc.kill()
        proc.wait()
        raise StepFailure(None, 'kresd does not listen on %s port 53 after %d s' % (
            setup.self_addr, START_TIMEOUT), self.stderr_path.read_text(errors='replace')[-3000:])

    def _stop_kresd(self, proc, rundir):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                return 'none (killed after 10 s)', self.stderr_path.read_text(errors='replace')
        return proc.returncode, self.stderr_path.read_text(errors='replace')

    def _play(self, scn, setup, net, clock, kresd):
        last_answer = None          # (wire, message)
        for step in scn.steps:
            with net.lock:
                net.step_id = step.id
            where = 'STEP %d %s (line %d)' % (step.id, step.type, step.lineno)
            if kresd.poll() is not None:
                return StepFailure(where, 'kresd died (status %s)' % kresd.returncode,
                                   self.stderr_path.read_text(errors='replace')[-3000:])
            if step.type == 'QUERY':
                if not step.entries:
                    return StepFailure(where, 'QUERY without an entry')
                entry = step.entries[0]
                fam = socket.AF_INET6 if ':' in setup.self_addr else socket.AF_INET
                with socket.socket(fam, socket.SOCK_DGRAM) as s:
                    s.bind((setup.client_addr, 0))
                    s.connect((setup.self_addr, 53))
                    if entry.raw is not None:
                        s.send(entry.raw)
                        last_answer = None
                        continue
                    msg = entry.message
                    msg.id = random.randint(0, 65535)
                    wire = msg.to_wire()
                    # Sent again every RESEND s, as a stub resolver would: UDP may drop it
                    # (a burst of RAW steps can fill kresd's receive buffer).
                    data = None
                    deadline = time.monotonic() + QUERY_TIMEOUT
                    while data is None:
                        left = deadline - time.monotonic()
                        if left <= 0:
                            return StepFailure(where, 'no answer from kresd within %g s' % QUERY_TIMEOUT)
                        s.send(wire)
                        s.settimeout(min(RESEND, left))
                        try:
                            data = s.recv(65535)
                        except socket.timeout:
                            continue
                        except OSError as ex:
                            return StepFailure(where, 'receiving the answer: %s' % ex)
                try:
                    answer = dns.message.from_wire(data, one_rr_per_rrset=True)
                except Exception as ex:
                    return StepFailure(where, 'malformed answer from kresd: %s' % ex,
                                       binascii.hexlify(data).decode())
                last_answer = (data, answer)
            elif step.type in ('CHECK_ANSWER', 'ANSWER'):
                if not step.entries:
                    return StepFailure(where, 'CHECK_ANSWER without an entry')
                entry = step.entries[0]
                if entry.raw is not None:
                    got = last_answer[0] if last_answer else None
                    if got != entry.raw:
                        return StepFailure(where, 'raw answer differs', 'expected %s\ngot      %s' % (
                            binascii.hexlify(entry.raw).decode(),
                            binascii.hexlify(got).decode() if got else None))
                    continue
                if last_answer is None:
                    return StepFailure(where, 'no answer from the preceding query')
                why = entry_matches(entry, last_answer[1])
                if why is not None:
                    return StepFailure(where, 'answer does not match: ' + why,
                                       diff_messages(entry.message, last_answer[1]))
            elif step.type == 'TIME_PASSES':
                clock.advance(step.elapse())
            elif step.type == 'CHECK_OUT_QUERY':
                entry = step.entries[0] if step.entries else None
                deadline = time.monotonic() + QUERY_TIMEOUT
                with net.lock:
                    while not net.out_queries and time.monotonic() < deadline:
                        net.out_cond.wait(deadline - time.monotonic())
                    if not net.out_queries:
                        return StepFailure(where, 'kresd sent no query')
                    query = net.out_queries.pop(0)
                if entry is not None:
                    why = entry_matches(entry, query)
                    if why is not None:
                        return StepFailure(where, 'outgoing query does not match: ' + why,
                                           diff_messages(entry.message, query))
            elif step.type in ('REPLY', 'TRAFFIC', 'ASSIGN', 'INFRA_RTT', 'FLUSH_MESSAGE',
                               'EXPIRE_MESSAGE'):
                pass    # REPLY: one-shot answers, served by FakeNet
            else:
                return StepFailure(where, 'unsupported step type')
        return None


def config_error(text):
    """The line of kresd's stderr that says why the config did not load."""
    text = re.sub(r'/\S*/run/config:', 'config:', text)
    for line in text.splitlines():
        if 'config' in line and ('error' in line.lower() or ':' in line):
            return line.strip()[:200]
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1].strip()[:200] if lines else '(no output)'


def listening(addr):
    """True when some socket listens on TCP and UDP port 53 of addr (this namespace)."""
    v6 = ':' in addr
    packed = ipaddress.ip_address(addr).packed
    # /proc/net/{tcp,udp}{,6}: each 32-bit word of the address in host order, in hex.
    hexaddr = ''.join('%08X' % w for w in struct.unpack('=%dI' % (len(packed) // 4), packed))
    hexaddr = hexaddr + ':0035'
    ok = 0
    for name, state in (('tcp6' if v6 else 'tcp', '0A'), ('udp6' if v6 else 'udp', '07')):
        try:
            with open('/proc/net/' + name) as f:
                for line in f.readlines()[1:]:
                    parts = line.split()
                    if parts[1].upper() == hexaddr and parts[3] == state:
                        ok += 1
                        break
        except OSError:
            pass
    return ok == 2


class FakeClock:
    """The wall clock libfaketime gives kresd (a timestamp file, re-read on each
    call; the clock restarts from the file's time when the file changes)."""

    def __init__(self, path, start):
        self.path = pathlib.Path(path)
        self.set(start)

    def set(self, when):
        self.when = when
        self.base = time.monotonic()
        tmp = self.path.with_suffix('.tmp')
        tmp.write_text(time.strftime('@%Y-%m-%d %H:%M:%S\n', time.gmtime(when)))
        os.replace(tmp, self.path)

    def now(self):
        return self.when + (time.monotonic() - self.base)

    def advance(self, seconds):
        # Whole seconds only in the file: never let the clock go back.
        self.set(int(math.ceil(self.now())) + int(seconds))


# --- the corpus --------------------------------------------------------------

def case_name(path, variant, variants):
    stem = pathlib.Path(path).stem
    return stem if len(variants) == 1 else '%s+%s' % (stem, variant)


def collect(paths):
    files = []
    for p in paths:
        p = pathlib.Path(p)
        if p.is_dir():
            files += sorted(p.glob('*.rpl'))
        else:
            files.append(p)
    cases = []
    for f in files:
        try:
            scn = rpl.parse_file(str(f))
            variants = Setup.variants(scn)
        except Exception as ex:   # a parse error is a failure of every variant
            cases.append((case_name(f, 'qmin', ['x']), f, None, 'parse: %s' % ex))
            continue
        for v in variants:
            cases.append((case_name(f, v, variants), f, v, None))
    return cases


def run_one_isolated(path, variant, tmp, timeout):
    """Run one case in its own network namespace; return the result dict."""
    out = pathlib.Path(tempfile.mkdtemp(dir=tmp))
    cmd = ['unshare', '-n', '--', sys.executable, str(HERE / 'runner.py'),
           '--case', str(path), variant, '--result', str(out / 'result.json'),
           '--workdir', str(out)]
    t0 = time.monotonic()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        res = json.loads((out / 'result.json').read_text())
    except subprocess.TimeoutExpired:
        res = {'status': 'FAIL', 'step': None, 'reason': 'timeout after %d s' % timeout,
               'detail': ''}
    except (OSError, ValueError):
        res = {'status': 'FAIL', 'step': None, 'reason': 'runner crashed',
               'detail': (proc.stdout + proc.stderr)[-3000:]}
    res['time'] = time.monotonic() - t0
    if os.environ.get('KRESD_SCENARIO_KEEP') is None:
        shutil.rmtree(out, ignore_errors=True)
    else:
        res['workdir'] = str(out)
    return res


def read_known(path):
    known = {}
    if not path or not os.path.exists(path):
        return known
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith('#'):
                continue
            name, _, reason = line.partition(' ')
            known[name] = reason.strip()
    return known


def short_reason(res):
    reason = res['reason'].splitlines()[0] if res['reason'] else ''
    if res.get('step'):
        return '%s: %s' % (res['step'].split(' (')[0], reason)
    return reason


def main_corpus(args):
    cases = collect(args.paths)
    known = read_known(args.known_failures)
    tmp = tempfile.mkdtemp(prefix='kresd-scenarios.', dir=os.environ.get('KRESD_SCENARIO_KEEP') or None)
    results = {}
    t0 = time.monotonic()

    def job(case):
        name, path, variant, err = case
        if err:
            return name, {'status': 'FAIL', 'step': None, 'reason': err, 'detail': '', 'time': 0}
        return name, run_one_isolated(path, variant, tmp, args.timeout)

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for name, res in pool.map(job, cases):
            results[name] = res
            line = '%s %s (%.1f s)' % (res['status'], name, res['time'])
            if res['status'] != 'PASS':
                line += ': ' + short_reason(res)
                if name in known:
                    line += '  [known: %s]' % known[name]
            print(line, flush=True)
            if res['status'] != 'PASS' and (args.verbose or name not in known):
                if res.get('step'):
                    print('    failing step: %s' % res['step'])
                for dl in (res.get('detail') or '').splitlines()[:60]:
                    print('    ' + dl)
    if os.environ.get('KRESD_SCENARIO_KEEP') is None:
        shutil.rmtree(tmp, ignore_errors=True)
    else:
        print('work directories kept in %s' % tmp)
    npass = sum(1 for r in results.values() if r['status'] == 'PASS')
    nfail = len(results) - npass
    print('%d passed, %d failed' % (npass, nfail))
    print('time: %.0f s' % (time.monotonic() - t0))
    # Pass rate per category (file-name prefix).
    cats = {}
    for name, res in results.items():
        cat = name.split('_')[0]
        c = cats.setdefault(cat, [0, 0])
        c[0] += res['status'] == 'PASS'
        c[1] += 1
    print('per category: ' + ', '.join('%s %d/%d' % (k, v[0], v[1])
                                       for k, v in sorted(cats.items())))
    if args.write_known:
        with open(args.write_known, 'w') as f:
            for name in sorted(results):
                if results[name]['status'] != 'PASS':
                    f.write('%s %s\n' % (name, known.get(name) or short_reason(results[name])))
    if args.known_failures is None:
        return 0 if nfail == 0 else 1
    bad = 0
    for name, res in sorted(results.items()):
        if res['status'] != 'PASS' and name not in known:
            print('UNEXPECTED FAILURE: %s: %s' % (name, short_reason(res)))
            bad += 1
        if res['status'] == 'PASS' and name in known:
            print('UNEXPECTED PASS: %s is listed in %s; take it off the list'
                  % (name, args.known_failures))
            bad += 1
    for name in sorted(set(known) - set(results)):
        if not args.subset:
            print('STALE: %s is listed in %s but is no test case' % (name, args.known_failures))
            bad += 1
    print('known-failures check: %s' % ('OK' if not bad else '%d problem(s)' % bad))
    return 0 if bad == 0 else 1


def main_selftest(directory, timeout):
    """Run the runner's own scenarios; each says what the runner must report
    (`; SELFTEST-EXPECT: PASS` or `; SELFTEST-EXPECT: FAIL <text of the reason>`)."""
    # The self-test checks the runner, not kresd: stand-ins for configuration
    # APIs kresd lacks yet (see Setup.config_text), so that the config loads.
    os.environ['KRESD_SCENARIO_PREVIEW'] = '1'
    tmp = tempfile.mkdtemp(prefix='kresd-scenarios-selftest.')
    bad = 0
    files = sorted(pathlib.Path(directory).glob('*.rpl'))
    for name, path, variant, err in collect(files):
        expect = None
        for line in path.read_text().splitlines():
            if line.startswith('; SELFTEST-EXPECT:'):
                expect = line.split(':', 1)[1].strip()
        if err or expect is None:
            print('selftest BAD %s: %s' % (name, err or 'no SELFTEST-EXPECT line'))
            bad += 1
            continue
        res = run_one_isolated(path, variant, tmp, timeout)
        got = res['status'] if res['status'] == 'PASS' else 'FAIL ' + short_reason(res)
        if expect == 'PASS':
            ok = res['status'] == 'PASS'
        else:
            ok = res['status'] == 'FAIL' and expect[len('FAIL '):] in got
        print('selftest %s %s: expected %s, runner said %s' % (
            'ok' if ok else 'WRONG', name, expect, got.splitlines()[0][:200]))
        if not ok:
            bad += 1
            for dl in (res.get('detail') or '').splitlines()[:40]:
                print('    ' + dl)
    shutil.rmtree(tmp, ignore_errors=True)
    print('runner self-test: %s' % ('OK' if not bad else '%d WRONG' % bad))
    return 0 if not bad else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('paths', nargs='*')
    ap.add_argument('--case', nargs=2, metavar=('FILE', 'VARIANT'))
    ap.add_argument('--result')
    ap.add_argument('--selftest', metavar='DIR', help="run the runner's self-test scenarios")
    ap.add_argument('--workdir')
    ap.add_argument('--jobs', type=int, default=2)
    ap.add_argument('--timeout', type=int, default=120, help='per test case, seconds')
    ap.add_argument('--known-failures')
    ap.add_argument('--write-known', help='write the failures seen to this file')
    ap.add_argument('--subset', action='store_true',
                    help='only some scenarios are run: do not complain about stale entries')
    ap.add_argument('-v', '--verbose', action='store_true', help='details of known failures too')
    args = ap.parse_args()
    if args.case:
        workdir = args.workdir or tempfile.mkdtemp(prefix='kresd-scenario.')
        res = Case(args.case[0], args.case[1], workdir).run()
        if args.result:
            pathlib.Path(args.result).write_text(json.dumps(res))
        else:
            print(json.dumps(res, indent=1))
        return 0
    if args.selftest:
        return main_selftest(args.selftest, args.timeout)
    if not args.paths:
        ap.error('no scenarios given')
    return main_corpus(args)


if __name__ == '__main__':
    sys.exit(main())

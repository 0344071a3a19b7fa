# SPDX-License-Identifier: GPL-3.0-or-later
"""
Parser of resolver test scenarios in the `.rpl` format (Unbound's testbound,
Deckard).  Written from the public descriptions of the format (Deckard's
scenario guide, Unbound's testdata README); no code of either project.

A file is: a CONFIG part (``key: value`` lines from the start of the file up to
``CONFIG_END``), then ``SCENARIO_BEGIN description``, ``RANGE_BEGIN a b`` blocks
(``ADDRESS`` lines and ``ENTRY_BEGIN ... ENTRY_END`` canned answers) and
``STEP id TYPE [args]`` lines, each optionally followed by an entry, then
``SCENARIO_END``.  Comments start with ``;`` (outside double quotes).

An entry holds ``MATCH`` fields, ``ADJUST`` fields, ``REPLY`` (opcode, rcode,
header flags and ``DO``), ``SECTION QUESTION|ANSWER|AUTHORITY|ADDITIONAL``
followed by records in zone-file syntax, optionally ``RAW`` followed by one
line of hex, ``MANDATORY``, ``EDNS``.  Everything is turned into dnspython
objects here; matching and replying live in runner.py.
"""
import binascii

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.ttl


class ParseError(Exception):
    def __init__(self, path, lineno, msg):
        super().__init__('%s:%s: %s' % (path, lineno, msg))


SECTIONS = ('QUESTION', 'ANSWER', 'AUTHORITY', 'ADDITIONAL')
HEADER_FLAGS = ('QR', 'AA', 'TC', 'RD', 'RA', 'AD', 'CD')
DEFAULT_TTL = 3600
# Fields of MATCH: what each keyword expands to.
MATCH_KEYWORDS = {'opcode', 'qtype', 'qname', 'qcase', 'subdomain', 'flags', 'rcode',
                  'question', 'answer', 'authority', 'additional', 'all', 'edns',
                  'nsid', 'answertypes', 'answerrrsigs'}
ADJUST_KEYWORDS = {'copy_id', 'copy_query', 'raw_id', 'do_not_answer'}


def strip_comment(line):
    """Drop a `;` comment (not inside double quotes)."""
    quoted = escaped = False
    for i, char in enumerate(line):
        if escaped:
            escaped = False
            continue
        if char == '\\':
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ';' and not quoted:
            return line[:i]
    return line


class Entry:
    """One ENTRY_BEGIN ... ENTRY_END block."""

    def __init__(self, lineno):
        self.lineno = lineno
        self.match = None          # list of MATCH words as written, None without MATCH
        self.adjust = None         # set of ADJUST words, None without ADJUST
        self.reply = []            # words of REPLY
        self.sections = {}         # 'QUESTION' -> list of (lineno, text)
        self.section_order = []
        self.raw = None            # bytes of RAW
        self.mandatory = False
        self.edns = None           # words of EDNS, None without EDNS
        self.message = None        # dns.message.Message built by finish()

    # -- derived views -------------------------------------------------------
    def match_fields(self):
        """The set of elementary fields MATCH asks for (default: opcode qtype qname)."""
        words = self.match if self.match is not None else ['opcode', 'qtype', 'qname']
        fields = set(words)
        if 'all' in fields:
            fields.discard('all')
            fields |= {'opcode', 'qtype', 'qname', 'flags', 'rcode',
                       'answer', 'authority', 'additional'}
        if 'question' in fields:
            fields.discard('question')
            fields |= {'qtype', 'qname'}
        return fields

    def adjust_fields(self):
        return self.adjust if self.adjust is not None else {'copy_id'}

    def text(self):
        """The entry rendered back as .rpl text (for diffs)."""
        out = []
        if self.match is not None:
            out.append('MATCH ' + ' '.join(self.match))
        if self.adjust is not None:
            out.append('ADJUST ' + ' '.join(sorted(self.adjust)))
        out.append('REPLY ' + ' '.join(self.reply))
        if self.raw is not None:
            out.append('RAW')
            out.append(binascii.hexlify(self.raw).decode())
        for sect in SECTIONS:
            if sect in self.sections:
                out.append('SECTION ' + sect)
                out.extend(t for _, t in self.sections[sect])
        return '\n'.join(out)

    # -- building the message ------------------------------------------------
    def finish(self, path):
        """Build self.message from REPLY, EDNS and SECTION lines."""
        msg = dns.message.Message(id=0)
        flags = 0
        rcode = None
        opcode = None
        want_do = False
        for word in self.reply:
            up = word.upper()
            if up in HEADER_FLAGS:
                flags |= dns.flags.from_text(up)
            elif up == 'DO':
                want_do = True
            else:
                try:
                    code = dns.rcode.from_text(up)
                except dns.rcode.UnknownRcode:
                    code = None
                if code is not None:
                    if rcode is not None:
                        raise ParseError(path, self.lineno, 'two rcodes in REPLY')
                    rcode = code
                    continue
                try:
                    op = dns.opcode.from_text(up)
                except dns.opcode.UnknownOpcode:
                    raise ParseError(path, self.lineno, 'unknown REPLY word %r' % word) from None
                if opcode is not None:
                    raise ParseError(path, self.lineno, 'two opcodes in REPLY')
                opcode = op
        msg.flags = flags
        if opcode is not None:
            msg.set_opcode(opcode)
        # Default EDNS: version 0, 4096 bytes; DO when asked.
        version, payload, options = 0, 4096, []
        if self.edns is not None:
            words = list(self.edns)
            if words and words[0].isdigit():
                version = int(words.pop(0))
            if words and words[0].isdigit():
                payload = int(words.pop(0))
            for word in words:
                key, _, val = word.partition('=')
                if key.lower() == 'nsid':
                    options.append(dns.edns.GenericOption(dns.edns.NSID, val.encode()))
        if payload == 0:
            msg.use_edns(False)
        else:
            msg.use_edns(version, dns.flags.DO if want_do else 0, payload, options=options)
        if rcode is not None:
            msg.set_rcode(rcode)
        for sect in SECTIONS:
            for lineno, line in self.sections.get(sect, []):
                try:
                    if sect == 'QUESTION':
                        msg.question.append(parse_question(line))
                    else:
                        getattr(msg, sect.lower()).append(parse_record(line))
                except Exception as ex:  # dnspython raises many kinds
                    raise ParseError(path, lineno, 'bad record %r: %s' % (line, ex)) from None
        self.message = msg


def _split_owner_ttl_class_type(tokens):
    """Tokens of a record line -> (owner, ttl, rdclass, rdtype, rest)."""
    owner = tokens[0]
    ttl = None
    rdclass = None
    i = 1
    while i < len(tokens):
        tok = tokens[i]
        if ttl is None and tok[0].isdigit():
            ttl = dns.ttl.from_text(tok)
            i += 1
            continue
        if rdclass is None:
            try:
                rdclass = dns.rdataclass.from_text(tok)
                i += 1
                continue
            except dns.rdataclass.UnknownRdataclass:
                pass
        break
    if i >= len(tokens):
        raise ValueError('no type')
    rdtype = dns.rdatatype.from_text(tokens[i])
    return owner, ttl, rdclass, rdtype, tokens[i + 1:]


def _name(text):
    if text == '@':
        return dns.name.root
    if not text.endswith('.'):
        text += '.'
    return dns.name.from_text(text)


def parse_question(line):
    owner, _, rdclass, rdtype, rest = _split_owner_ttl_class_type(line.split())
    if rest:
        raise ValueError('question with data')
    return dns.rrset.RRset(_name(owner), rdclass or dns.rdataclass.IN, rdtype)


def parse_record(line):
    owner, ttl, rdclass, rdtype, rest = _split_owner_ttl_class_type(line.split())
    rdclass = rdclass or dns.rdataclass.IN
    rrset = dns.rrset.RRset(_name(owner), rdclass, rdtype)
    rrset.update_ttl(DEFAULT_TTL if ttl is None else ttl)
    if rest:
        rdata = dns.rdata.from_text(rdclass, rdtype, ' '.join(rest),
                                    origin=dns.name.root, relativize=False)
        rrset.add(rdata)
    return rrset


class Range:
    def __init__(self, lineno, first, last, args):
        self.lineno = lineno
        self.first = first
        self.last = last
        self.args = args
        # `RANGE_BEGIN first last [address]`: an address may follow on the line itself.
        self.addresses = list(args)
        self.entries = []

    def eligible(self, step_id, address):
        """In its step window, and for this address (None: any address)."""
        if not self.first <= step_id <= self.last:
            return False
        return address is None or not self.addresses or address in self.addresses


class Step:
    def __init__(self, lineno, step_id, kind, args):
        self.lineno = lineno
        self.id = step_id
        self.type = kind           # QUERY, CHECK_ANSWER, REPLY, TIME_PASSES, CHECK_OUT_QUERY, ...
        self.args = args           # remaining words (e.g. ['ELAPSE', '10'])
        self.entries = []

    def elapse(self):
        """Seconds of a TIME_PASSES ELAPSE n step."""
        if len(self.args) >= 2 and self.args[0].upper() == 'ELAPSE':
            return float(self.args[1])
        raise ValueError('TIME_PASSES without ELAPSE n')


class Scenario:
    def __init__(self, path):
        self.path = path
        self.config = []           # (key, value) in file order
        self.info = ''
        self.ranges = []
        self.steps = []

    def config_values(self, key):
        return [v for k, v in self.config if k == key]

    def all_entries(self):
        for rng in self.ranges:
            yield from rng.entries
        for step in self.steps:
            yield from step.entries


KNOWN_STEPS = {'QUERY', 'CHECK_ANSWER', 'REPLY', 'TIME_PASSES', 'CHECK_OUT_QUERY',
               'ANSWER', 'TRAFFIC', 'ASSIGN', 'INFRA_RTT', 'FLUSH_MESSAGE', 'EXPIRE_MESSAGE'}


def parse_file(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        lines = f.read().splitlines()
    return parse_lines(lines, path)


def parse_lines(lines, path='<text>'):
    scn = Scenario(path)
    i = 0
    n = len(lines)

    # CONFIG: from the beginning up to CONFIG_END.
    while i < n:
        raw = lines[i]
        i += 1
        line = strip_comment(raw).strip()
        if not line:
            continue
        if line.split()[0] == 'CONFIG_END':
            break
        if '#' in line:                      # testbound-style trailing comments
            line = line[:line.index('#')].strip()
            if not line:
                continue
        key, sep, value = line.partition(':')
        if not sep:
            raise ParseError(path, i, 'config line without "key: value": %r' % raw)
        scn.config.append((key.strip(), value.strip()))
    else:
        raise ParseError(path, i, 'no CONFIG_END')

    entry = None           # entry being read
    entry_owner = None     # list the entry goes to when finished
    section = None
    rng = None
    step = None
    in_scenario = False
    ended = False
    expect_raw = False
    while i < n:
        raw = lines[i]
        i += 1
        line = strip_comment(raw).strip()
        if not line:
            continue
        words = line.split()
        kw = words[0]
        if entry is not None:
            if expect_raw:
                try:
                    entry.raw = binascii.unhexlify(''.join(words))
                except binascii.Error as ex:
                    raise ParseError(path, i, 'bad RAW hex: %s' % ex) from None
                expect_raw = False
                continue
            if kw == 'ENTRY_END':
                entry.finish(path)
                entry_owner.append(entry)
                entry = None
                section = None
            elif kw == 'MATCH':
                for word in words[1:]:
                    if word not in MATCH_KEYWORDS:
                        raise ParseError(path, i, 'unknown MATCH field %r' % word)
                entry.match = (entry.match or []) + words[1:]
            elif kw == 'ADJUST':
                for word in words[1:]:
                    if word not in ADJUST_KEYWORDS:
                        raise ParseError(path, i, 'unknown ADJUST field %r' % word)
                entry.adjust = (entry.adjust or set()) | set(words[1:])
            elif kw in ('REPLY', 'FLAGS'):    # FLAGS: another name of REPLY
                entry.reply += words[1:]
            elif kw == 'SECTION':
                if len(words) != 2 or words[1].upper() not in SECTIONS:
                    raise ParseError(path, i, 'bad SECTION line %r' % raw)
                section = words[1].upper()
                entry.sections.setdefault(section, [])
                entry.section_order.append(section)
            elif kw == 'RAW':
                expect_raw = True
            elif kw == 'MANDATORY':
                entry.mandatory = True
            elif kw == 'EDNS':
                entry.edns = words[1:]
            elif section is not None:
                entry.sections[section].append((i, line))
            else:
                raise ParseError(path, i, 'unexpected line in entry: %r' % raw)
            continue
        if kw == 'ENTRY_BEGIN':
            if rng is not None:
                entry_owner = rng.entries
            elif step is not None:
                entry_owner = step.entries
            else:
                raise ParseError(path, i, 'ENTRY_BEGIN outside RANGE and STEP')
            entry = Entry(i)
            continue
        if kw == 'SCENARIO_BEGIN':
            in_scenario = True
            scn.info = line[len('SCENARIO_BEGIN'):].strip()
            continue
        if not in_scenario:
            raise ParseError(path, i, 'expected SCENARIO_BEGIN, got %r' % raw)
        if kw == 'SCENARIO_END':
            ended = True
            break
        if kw == 'RANGE_BEGIN':
            if len(words) < 3:
                raise ParseError(path, i, 'RANGE_BEGIN needs two step numbers')
            step = None
            rng = Range(i, int(words[1]), int(words[2]), words[3:])
            continue
        if kw == 'RANGE_END':
            if rng is None:
                raise ParseError(path, i, 'RANGE_END without RANGE_BEGIN')
            scn.ranges.append(rng)
            rng = None
            continue
        if kw == 'ADDRESS':
            if rng is None or len(words) != 2:
                raise ParseError(path, i, 'bad ADDRESS line')
            rng.addresses.append(words[1])
            continue
        if kw == 'STEP':
            if rng is not None:
                raise ParseError(path, i, 'STEP inside RANGE')
            if len(words) < 3:
                raise ParseError(path, i, 'STEP needs an id and a type')
            if words[2] not in KNOWN_STEPS:
                raise ParseError(path, i, 'unknown STEP type %r' % words[2])
            step = Step(i, int(words[1]), words[2], words[3:])
            scn.steps.append(step)
            continue
        raise ParseError(path, i, 'unexpected line %r' % raw)
    if entry is not None:
        raise ParseError(path, i, 'unterminated ENTRY')
    if rng is not None:
        raise ParseError(path, i, 'unterminated RANGE')
    if not ended:
        raise ParseError(path, i, 'no SCENARIO_END')
    ids = [s.id for s in scn.steps]
    if ids != sorted(ids) or len(set(ids)) != len(ids):
        # Steps run in the order of their ids; ids are unique.
        if len(set(ids)) != len(ids):
            raise ParseError(path, i, 'duplicate STEP ids')
        scn.steps.sort(key=lambda s: s.id)
    return scn


if __name__ == '__main__':
    import sys
    for p in sys.argv[1:]:
        try:
            s = parse_file(p)
        except ParseError as ex:
            print(ex)
            continue
        print('%s: %d config, %d ranges (%d entries), %d steps' % (
            p, len(s.config), len(s.ranges), sum(len(r.entries) for r in s.ranges),
            len(s.steps)))

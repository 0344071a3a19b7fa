-- SPDX-License-Identifier: GPL-3.0-or-later
-- ta_update: RFC 5011 automated updates of the trust anchors kept in key files
-- (trust_anchors.add_file(path) without readonly). Loaded by default;
-- `modules.unload('ta_update')` leaves the anchors as the files say.
--
-- For each managed owner the key set is asked (DNSKEY, validated with the
-- current anchors) at the refresh interval; every key with the SEP bit goes
-- through the states of RFC 5011 section 4:
--   new key        -> AddPend (hold-down timer starts)
--   AddPend        -> Valid after the hold-down time, if still published
--   Valid          -> Missing when no longer published, Revoked when REVOKE is set
--   Missing        -> Valid when published again, Revoked when REVOKE is set
--   Revoked        -> Removed after the hold-down time
-- Valid and Missing keys are the anchors. The key file is rewritten after each
-- change, states in comments (;;state=N [ NAME ] ;;count=0 ;;lastchange=T),
-- in the form Unbound's auto-trust-anchor files use.
local M = {}   -- no layer: nothing runs per request
local managed = {}          -- owner text -> { path=, ttl=, keys = { [rdata] = key }, ev = }

local STATE = { START = 0, ADDPEND = 1, VALID = 2, MISSING = 3, REVOKED = 4, REMOVED = 5 }
local STATE_NAME = { [0] = 'START', 'ADDPEND', 'VALID', 'MISSING', 'REVOKED', 'REMOVED' }
local FLAG_REVOKE, FLAG_SEP = 0x80, 0x01

local function ta() return rawget(_G, 'trust_anchors') end
local function hold_down() return ta().hold_down_time or 30 * 24 * 3600 * 1000 end   -- ms, like the units

local function log(fmt, ...)
	io.stderr:write(string.format('[ta] ' .. fmt, ...) .. '\n')   -- unbuffered, beside the C log
end

-- RFC 4034 appendix B over the wire RDATA of a DNSKEY.
local function key_tag(rdata)
	local ac = 0
	for i = 1, #rdata do
		local b = rdata:byte(i)
		ac = ac + ((i % 2 == 1) and b * 256 or b)
	end
	ac = ac + math.floor(ac / 65536) % 65536
	return ac % 65536
end

local function key_flags(rdata)
	return rdata:byte(1) * 256 + rdata:byte(2)
end

-- The text of a DNSKEY record line (owner TTL IN DNSKEY ...) from wire RDATA.
local function key_line(owner, ttl, rdata)
	local line = kres.rr2str({ owner = kres.str2dname(owner), ttl = ttl or 0, class = kres.class.IN,
	                           type = kres.type.DNSKEY, rdata = rdata })
	return (line:gsub('%s+$', ''))
end

-- Re-install the anchors of owner: the Valid and Missing keys.
local function install(owner, m)
	local lines = {}
	for rdata, k in pairs(m.keys) do
		if k.state == STATE.VALID or k.state == STATE.MISSING then
			table.insert(lines, key_line(owner, m.ttl, rdata))
		end
	end
	if #lines == 0 then
		log('no valid key left for %s: keeping the anchors as they are', owner)
		return
	end
	ta().remove(owner)
	for _, line in ipairs(lines) do
		ta().add(line)
	end
end

local function write_file(owner, m)
	if not m.path then
		return
	end
	local out = { string.format('; trust anchors of %s managed by kresd (RFC 5011); do not edit while kresd runs', owner) }
	local keys = {}
	for rdata, k in pairs(m.keys) do
		table.insert(keys, { rdata = rdata, k = k })
	end
	table.sort(keys, function (a, b) return a.k.tag < b.k.tag end)
	for _, e in ipairs(keys) do
		local k = e.k
		table.insert(out, string.format('%s ;{id = %d (ksk)} ;;state=%d [ %s ] ;;count=0 ;;lastchange=%d ;;%s',
			key_line(owner, m.ttl, e.rdata), k.tag, k.state, STATE_NAME[k.state],
			k.since, os.date('!%Y-%m-%d %H:%M:%S UTC', k.since)))
	end
	local tmp = m.path .. '.tmp'
	local f, err = io.open(tmp, 'w')
	if not f then
		log('cannot write %s: %s', tmp, tostring(err))
		return
	end
	f:write(table.concat(out, '\n') .. '\n')
	f:close()
	local ok, rerr = os.rename(tmp, m.path)
	if not ok then
		log('cannot replace %s: %s', m.path, tostring(rerr))
	end
end

local function set_state(owner, k, state, now)
	if k.state ~= state then
		k.state = state
		k.since = now
		log('key: %d state: %s (%s)', k.tag, STATE_NAME[state], owner)
		return true
	end
	return false
end

local refresh

local function schedule(owner, m, ms)
	if m.ev then
		event.cancel(m.ev)
	end
	m.ev = event.after(ms, function () m.ev = nil; refresh(owner) end)
	log('next refresh for %s in %.6g hours', owner, ms / 3600000)
end

-- RFC 5011 2.3: active refresh max(1 h, min(15 d, TTL / 2)); retries
-- max(1 h, min(1 d, TTL / 10)); trust_anchors.refresh_time overrides both.
local function interval(m, failed)
	local forced = ta().refresh_time
	if forced then
		return forced
	end
	local ttl_ms = (m.ttl or 86400) * 1000
	if failed then
		return math.max(3600000, math.min(86400000, ttl_ms / 10))
	end
	return math.max(3600000, math.min(15 * 86400000, ttl_ms / 2))
end

-- One refresh answer: move the keys through their states.
local function update(owner, m, pkt)
	local now = os.time()
	local seen = {}
	local ttl
	for _, rr in ipairs(pkt:section(kres.section.ANSWER)) do
		if rr.type == kres.type.DNSKEY and kres.dname2str(rr.owner):lower() == owner and
		   #rr.rdata >= 4 and key_flags(rr.rdata) % 2 == FLAG_SEP then
			seen[rr.rdata] = true
			ttl = ttl and math.min(ttl, rr.ttl) or rr.ttl
		end
	end
	m.ttl = ttl or m.ttl
	local changed, anchors = false, false
	local hold_s = hold_down() / 1000
	-- RFC 5011 compares keys without the REVOKE bit: a revoked key is the same key.
	local function base(rdata)
		local f = key_flags(rdata)
		if math.floor(f / FLAG_REVOKE) % 2 == 1 then
			f = f - FLAG_REVOKE
		end
		return string.char(math.floor(f / 256), f % 256) .. rdata:sub(3)
	end
	for rdata in pairs(seen) do
		local revoked = math.floor(key_flags(rdata) / FLAG_REVOKE) % 2 == 1
		local id = base(rdata)
		local k = m.keys[id]
		if revoked then
			if k and (k.state == STATE.VALID or k.state == STATE.MISSING) then
				changed = set_state(owner, k, STATE.REVOKED, now) or changed
				anchors = true
			elseif k and k.state == STATE.ADDPEND then
				m.keys[id] = nil   -- never trusted: forget it
				changed = true
			end
		elseif not k then
			k = { tag = key_tag(id), state = STATE.START, since = now }
			m.keys[id] = k
			-- The first refresh after a file of DS records: the keys they name are valid.
			local st = m.ds_tags and m.ds_tags[k.tag] and STATE.VALID or STATE.ADDPEND
			changed = set_state(owner, k, st, now) or changed
			anchors = anchors or st == STATE.VALID
		elseif k.state == STATE.ADDPEND and now - k.since >= hold_s then
			changed = set_state(owner, k, STATE.VALID, now) or changed
			anchors = true
		elseif k.state == STATE.MISSING then
			changed = set_state(owner, k, STATE.VALID, now) or changed
		end
	end
	local present = {}
	for rdata in pairs(seen) do present[base(rdata)] = true end
	local removed = {}
	for id, k in pairs(m.keys) do
		if not present[id] then
			if k.state == STATE.VALID then
				changed = set_state(owner, k, STATE.MISSING, now) or changed
			elseif k.state == STATE.ADDPEND then
				m.keys[id] = nil
				changed = true
			end
		end
		if k.state == STATE.REVOKED and now - k.since >= hold_s then
			changed = set_state(owner, k, STATE.REMOVED, now) or changed
		end
		if k.state == STATE.REMOVED then
			table.insert(removed, id)
		end
	end
	-- Keep at most keep_removed Removed keys, the newest.
	table.sort(removed, function (a, b) return m.keys[a].since > m.keys[b].since end)
	for i = (ta().keep_removed or 0) + 1, #removed do
		m.keys[removed[i]] = nil
		changed = true
	end
	m.ds_tags = nil
	if anchors then
		install(owner, m)
	end
	if changed then
		write_file(owner, m)
	end
end

refresh = function (owner)
	local m = managed[owner]
	if not m then
		return
	end
	-- Past the cache: the key set as the zone publishes it now.
	resolve(owner, kres.type.DNSKEY, kres.class.IN, kres.query.NO_CACHE, function (pkt)
		if managed[owner] ~= m then
			return   -- unmanaged meanwhile
		end
		if pkt:rcode() ~= kres.rcode.NOERROR or not pkt:ad() then
			log('refresh of the %s key set failed (not validated: rcode %d)', owner, pkt:rcode())
			schedule(owner, m, interval(m, true))
			return
		end
		update(owner, m, pkt)
		schedule(owner, m, interval(m, false))
	end)
end

--- Manage owner's anchors kept in path: records is a list of
--- { line = 'DS or DNSKEY record', state = number or nil, since = number or nil }.
function M.manage(owner, path, records)
	owner = owner:lower()
	local m = { path = path, keys = {}, ds_tags = nil, ttl = nil }
	for _, r in ipairs(records) do
		local kind, rest = r.line:match('%s(D[SN][A-Z]*)%s+(.*)$')
		if kind == 'DS' then
			m.ds_tags = m.ds_tags or {}
			m.ds_tags[tonumber(rest:match('^(%d+)'))] = true
		elseif kind == 'DNSKEY' then
			-- the wire RDATA, through the core's parser
			local ok, rec = pcall(kres.str2rr, r.line)
			local rdata = ok and rec.rdata
			if rdata then
				m.keys[rdata] = { tag = key_tag(rdata), state = r.state or STATE.VALID,
				                  since = r.since or os.time() }
			end
		end
	end
	if managed[owner] and managed[owner].ev then
		event.cancel(managed[owner].ev)
	end
	managed[owner] = m
	schedule(owner, m, 0)
end

--- State of the managed keys: { [owner] = { [tag] = 'VALID', ... } }.
function M.summary()
	local out = {}
	for owner, m in pairs(managed) do
		out[owner] = {}
		for _, k in pairs(m.keys) do
			out[owner][k.tag] = STATE_NAME[k.state]
		end
	end
	return out
end

M.STATE = STATE

function M.deinit()
	for _, m in pairs(managed) do
		if m.ev then
			event.cancel(m.ev)
		end
	end
	managed = {}
end

return M

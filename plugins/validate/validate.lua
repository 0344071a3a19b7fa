-- SPDX-License-Identifier: GPL-3.0-or-later
-- Companion of the validate plugin: the trust_anchors table over its props.
local V = ...
if type(V) ~= 'table' then
	V = rawget(_G, 'validate')
end
if type(V) ~= 'table' then
	error('[ta] the validate plugin table is missing')
end

local negative = {}
local ta = {}

function ta.add(rr)
	return V.ta_add(rr)
end

function ta.remove(name)
	return V.ta_remove(name)
end

function ta.set_insecure(list)
	negative = list or {}
	return V.ta_negative(negative)
end

function ta.summary()
	return V.ta_summary()
end

-- RFC 5011 timers (ms, like the units: 30 * day); see ta_update.lua.
ta.hold_down_time = 30 * 24 * 3600 * 1000
ta.refresh_time = nil
ta.keep_removed = 0

-- The records of a zone-file style key file: DS/DNSKEY lines, ';' comments,
-- ( ) continuations; RFC 5011 states kept in comments (;;state=N ;;lastchange=T).
local function read_keyfile(path)
	local f, err = io.open(path, 'r')
	if not f then
		return nil, err
	end
	local text = f:read('*a')
	f:close()
	text = text:gsub('%b()', function (p) return p:sub(2, -2):gsub('\n', ' ') end)
	local records = {}
	for line in text:gmatch('[^\n]+') do
		local data = line:gsub(';.*$', '')
		if data:match('%sDS%s') or data:match('%sDNSKEY%s') then
			table.insert(records, { line = data, state = tonumber(line:match(';;state=(%d+)')),
			                        since = tonumber(line:match(';;lastchange=(%d+)')) })
		end
	end
	return records
end

--- add_file(path[, readonly]): the anchors of one domain from a key file. Unless
--- readonly, ta_update (when loaded) keeps it current (RFC 5011) and a missing
--- file is created from the compiled-in root anchors.
function ta.add_file(path, readonly)
	local records, err = read_keyfile(path)
	if not records and not readonly then
		local f = io.open(path, 'w')
		if not f then
			error(string.format('[ta] cannot read trust anchor file %s: %s', path, tostring(err)))
		end
		f:write('; the root trust anchors compiled into kresd; check them against\n')
		f:write('; https://data.iana.org/root-anchors/root-anchors.xml\n')
		for _, line in ipairs(V.ta_builtin()) do
			f:write(line .. '\n')
		end
		f:close()
		io.stderr:write(string.format('[ta] warning: %s did not exist: created from the compiled-in ' ..
			'root anchors (KSK-2017, KSK-2024); verify them against ' ..
			'https://data.iana.org/root-anchors/root-anchors.xml\n', path))
		records = read_keyfile(path)
	end
	if not records then
		error(string.format('[ta] cannot read trust anchor file %s: %s', path, tostring(err)))
	end
	local owner
	local n = 0
	for _, r in ipairs(records) do
		if not owner then
			V.ta_remove(r.line:match('^%s*(%S+)'))   -- the file replaces the domain's anchors
		end
		local o = r.line:match('^%s*(%S+)')
		if owner and o:lower() ~= owner then
			error(string.format('[ta] %s: anchors of more than one domain (%s, %s)', path, owner, o))
		end
		owner = o:lower()
		-- Keys still waiting (AddPend) or revoked/removed are no anchors (RFC 5011).
		if not r.state or r.state == 2 or r.state == 3 then
			V.ta_add(r.line)
			n = n + 1
		end
	end
	if n == 0 then
		error(string.format('[ta] no DS or DNSKEY record in %s', path))
	end
	local updater = rawget(_G, 'ta_update')
	if not readonly and type(updater) == 'table' and updater.manage then
		updater.manage(owner, path, records)
	end
	return true
end

ta.config = ta.add_file

setmetatable(ta, {
	__index = function (_, k)
		if k == 'negative' or k == 'insecure' then
			return negative
		end
		return nil
	end,
	__newindex = function (t, k, v)
		if k == 'negative' or k == 'insecure' then
			ta.set_insecure(v)
		elseif k == 'file' then
			ta.add_file(v)
		else
			rawset(t, k, v)
		end
	end,
})

rawset(_G, 'trust_anchors', ta)
return V

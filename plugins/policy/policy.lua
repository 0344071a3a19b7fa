-- SPDX-License-Identifier: GPL-3.0-or-later
-- Companion of the policy plugin, loaded after policy.so: Knot Resolver's
-- policy API built as plain tables (a filter and an action) that the C plugin
-- matches per query. No Lua runs per query.
--   policy.add(policy.suffix(policy.DENY, {todname('bad.lab.')}))
--   policy:add(policy.pattern(policy.PASS, todname('ok.bad.lab')))
--   local r = policy.add(policy.all(policy.FORWARD({'192.0.2.1', '192.0.2.2@5353'})))
--   policy.del(r.id)
local M = rawget(_G, 'policy')
if type(M) ~= 'table' then
	error('[policy] the policy plugin table is missing: policy.lua must run after policy.so is loaded')
end

local c_add, c_del, c_check = M.rule_add, M.rule_del, M.rpz_check

local function hex(s)
	return (s:gsub('.', function(c) return string.format('%02x', c:byte()) end))
end

-- A wire-format name (todname()) as text; a name already in text form is kept.
-- A missing root label at the end is tolerated ('\5mykey', as Knot Resolver's docs write keys).
local function wire2text(w)
	local out, i = {}, 1
	while true do
		local len = w:byte(i)
		if not len then
			if i == #w + 1 and #out > 0 then i = #w break end
			return nil
		end
		if len == 0 then break end
		local label = w:sub(i + 1, i + len)
		if #label ~= len or len > 63 then return nil end
		out[#out + 1] = (label:gsub('[%.\\"%(%);@$%s%c\128-\255]',
			function(c) return string.format('\\%03d', c:byte()) end))
		i = i + len + 1
	end
	if i ~= #w then return nil end
	return table.concat(out, '.') .. '.'
end

local function name_text(n, fn)
	if type(n) ~= 'string' then
		error(string.format('%s: expected a domain name (todname(\'example.com\')), got %s', fn, type(n)), 4)
	end
	if n:byte(-1) == 0 then
		local t = wire2text(n)
		if t then return t end
	end
	return n
end

M._name_text = function(n, fn)
	if type(n) == 'string' and n:byte(1) and n:byte(1) < 64 then
		local t = wire2text(n)
		if t then return t end
	end
	return name_text(n, fn)
end

local function check_action(a, fn)
	if type(a) ~= 'table' or type(a.type) ~= 'string' then
		error(fn .. ': the first argument must be a policy action (policy.DENY, policy.PASS, ...)', 3)
	end
end

-- Actions ----------------------------------------------------------------

M.PASS = { type = 'pass' }
M.DENY = { type = 'deny' }
M.DROP = { type = 'drop' }            -- SERVFAIL, as Knot Resolver's DROP
M.NO_ANSWER = { type = 'no_answer' }  -- no answer at all
M.REFUSE = { type = 'refuse' }
M.TC = { type = 'tc' }
M.QTRACE = { type = 'trace' }
M.DEBUG_ALWAYS = { type = 'trace' }

function M.DENY_MSG(msg)
	if msg ~= nil and type(msg) ~= 'string' then
		error('policy.DENY_MSG: the message must be a string', 2)
	end
	return { type = 'deny', msg = msg }
end

local function addr_list(addrs, fn)
	if type(addrs) == 'string' then addrs = { addrs } end
	if type(addrs) ~= 'table' or #addrs == 0 then
		error(fn .. ': expected an address or a list of addresses', 3)
	end
	local out = {}
	for i, a in ipairs(addrs) do
		if type(a) ~= 'string' then error(fn .. ': addresses must be strings', 3) end
		out[i] = a
	end
	return out
end

function M.FORWARD(addrs)
	return { type = 'forward', addrs = addr_list(addrs, 'policy.FORWARD') }
end

function M.STUB(addrs)
	return { type = 'stub', addrs = addr_list(addrs, 'policy.STUB') }
end

-- TLS_FORWARD({{'addr[@port]', hostname = 'name', ca_file = 'path'}, {'addr', pin_sha256 = 'b64'}}):
-- forward over TLS (port 853 by default) to servers authenticated by CA and name or by pins.
function M.TLS_FORWARD(targets)
	local fn = 'policy.TLS_FORWARD'
	if type(targets) ~= 'table' or #targets == 0 then
		error(fn .. ": expected {{'addr', hostname = 'name'}, {'addr', pin_sha256 = 'base64'}, ...}", 2)
	end
	local out = {}
	for i, t in ipairs(targets) do
		if type(t) ~= 'table' or type(t[1]) ~= 'string' then
			error(fn .. ": each server is a table {'addr', hostname = ..., ca_file = ..., pin_sha256 = ...}", 2)
		end
		for k, v in pairs(t) do
			if k ~= 1 and k ~= 'hostname' and k ~= 'ca_file' and k ~= 'pin_sha256' then
				error(string.format('%s: server %s: unknown field %s%s', fn, t[1], tostring(k),
					k == 'insecure' and ' (unauthenticated TLS is not supported: give a hostname or pin_sha256)' or ''), 2)
			end
			if k ~= 1 and k ~= 'pin_sha256' and type(v) ~= 'string' then
				error(string.format('%s: server %s: %s must be a string', fn, t[1], k), 2)
			end
		end
		local pins = t.pin_sha256
		if type(pins) == 'string' then pins = { pins } end
		if pins ~= nil and type(pins) ~= 'table' then
			error(string.format('%s: server %s: pin_sha256 must be a string or a list of them', fn, t[1]), 2)
		end
		if t.ca_file and not t.hostname then
			error(string.format('%s: server %s: ca_file needs hostname', fn, t[1]), 2)
		end
		if not t.hostname and not (pins and #pins > 0) then
			error(string.format('%s: server %s: give hostname (and ca_file) or pin_sha256 to authenticate it by',
				fn, t[1]), 2)
		end
		out[i] = { addr = t[1], hostname = t.hostname, ca_file = t.ca_file, pins = pins }
	end
	return { type = 'tls_forward', targets = out }
end

function M.REROUTE(...)
	local map = {}
	local function add(from, to)
		if type(from) ~= 'string' or type(to) ~= 'string' then
			error('policy.REROUTE: expected {{\'subnet\', \'target\'}, ...}', 4)
		end
		map[#map + 1] = { from, to }
	end
	for _, arg in ipairs({...}) do
		if type(arg) ~= 'table' then
			error('policy.REROUTE: expected {{\'subnet\', \'target\'}, ...}', 2)
		end
		if type(arg[1]) == 'string' then
			add(arg[1], arg[2])
		else
			for k, v in pairs(arg) do
				if type(k) == 'string' then add(k, v)
				elseif type(v) == 'table' then add(v[1], v[2])
				else add(nil, nil) end
			end
		end
	end
	return { type = 'reroute', map = map }
end

-- ANSWER({[kres.type.A] = {rdata = '\192\0\2\1', ttl = 300}}, nodata): rdata in wire
-- form (a string or a list); an IPv4 address may also be given as text.
function M.ANSWER(tbl, nodata)
	if type(tbl) ~= 'table' then
		error('policy.ANSWER: expected {[type] = {rdata = ..., ttl = ...}}', 2)
	end
	local rrs = {}
	for t, v in pairs(tbl) do
		if type(t) ~= 'number' or type(v) ~= 'table' then
			error('policy.ANSWER: expected {[type] = {rdata = ..., ttl = ...}}', 2)
		end
		local rdata = v.rdata
		if type(rdata) == 'string' then rdata = { rdata } end
		if type(rdata) ~= 'table' then error('policy.ANSWER: rdata must be a string or a list', 2) end
		local list = {}
		for _, rd in ipairs(rdata) do
			if t == 1 and #rd ~= 4 then
				local a, b, c, d = rd:match('^(%d+)%.(%d+)%.(%d+)%.(%d+)$')
				if a then rd = string.char(tonumber(a), tonumber(b), tonumber(c), tonumber(d)) end
			end
			list[#list + 1] = hex(rd)
		end
		rrs[#rrs + 1] = { type = t, ttl = v.ttl or 300, rdata = list }
	end
	return { type = 'answer', rrs = rrs, nodata = nodata and true or false }
end

-- FLAGS(set, clear): query flags by name ('NO_CACHE', {'NO_MINIMIZE', 'NO_0X20'}).
function M.FLAGS(set, clear)
	return { type = 'flags', set = set, clear = clear }
end

-- Filters ----------------------------------------------------------------

function M.all(action)
	check_action(action, 'policy.all')
	return { filter = 'all', action = action }
end

local function names_of(list, fn)
	if type(list) == 'string' then list = { list } end
	if type(list) ~= 'table' then
		error(fn .. ': expected a list of names ({todname(\'example.com\')})', 3)
	end
	local out = {}
	for i, n in ipairs(list) do out[i] = name_text(n, fn) end
	return out
end

function M.suffix(action, names)
	check_action(action, 'policy.suffix')
	return { filter = 'suffix', action = action, names = names_of(names, 'policy.suffix') }
end

function M.suffix_common(action, names, common)
	check_action(action, 'policy.suffix_common')
	return { filter = 'suffix', action = action, names = names_of(names, 'policy.suffix_common'),
		common = common and name_text(common, 'policy.suffix_common') or nil }
end

-- A Lua pattern over the wire-format name (lower-cased), as in Knot Resolver.
function M.pattern(action, pattern)
	check_action(action, 'policy.pattern')
	if type(pattern) ~= 'string' then error('policy.pattern: the pattern must be a string', 2) end
	return { filter = 'pattern', action = action, pattern = hex(pattern) }
end

-- RPZ zone file; watch (default true) reloads it when it changes.
function M.rpz(action, path, watch)
	check_action(action, 'policy.rpz')
	if type(path) ~= 'string' then error('policy.rpz: expected a file name', 2) end
	return { filter = 'rpz', action = action, file = path, watch = watch ~= false }
end

function M.todnames(names)
	for i, n in ipairs(names) do
		if type(n) == 'string' and n:byte(-1) ~= 0 then names[i] = todname(n) end
	end
	return names
end

-- The table given to C for a rule (also used by view.lua).
function M._spec(rule, post, fn)
	if type(rule) == 'function' then
		error(fn .. ': rules written as Lua functions are not supported; ' ..
			'use policy.all, policy.suffix, policy.suffix_common, policy.pattern or policy.rpz', 3)
	end
	if type(rule) ~= 'table' or type(rule.filter) ~= 'string' then
		error(fn .. ': expected a rule (policy.all(...), policy.suffix(...), ...)', 3)
	end
	local spec = {}
	for k, v in pairs(rule) do spec[k] = v end
	spec.post = post and true or false
	return spec
end

local function call_c(f, fn, level, ...)
	local ok, res = pcall(f, ...)
	if not ok then
		res = tostring(res):gsub('^[%w_]+%.[%w_]+%(%): ', '')
		error(fn .. ': ' .. res, level + 1)
	end
	return res
end
M._call_c = call_c

-- Rules ------------------------------------------------------------------

local watches = {}

-- policy.add(rule[, postrule]) or policy:add(...): returns {id = n}.
function M.add(a, b, c)
	if a == M then a, b = b, c end
	local spec = M._spec(a, b, 'policy.add')
	local id = call_c(c_add, 'policy.add', 2, spec)
	if spec.filter == 'rpz' and spec.watch and rawget(_G, 'event') then
		watches[id] = event.recurrent(1000, function() c_check(id) end)
	end
	return { id = id, rule = a }
end

-- policy.del(id) or policy.del(rule returned by add): true when it was there.
function M.del(a, b)
	if a == M then a = b end
	local id = type(a) == 'table' and a.id or a
	if type(id) ~= 'number' then error('policy.del: expected a rule id', 2) end
	if watches[id] then
		event.cancel(watches[id])
		watches[id] = nil
	end
	return c_del(id)
end

-- policy.list(): the rules in order, with their hit counts.
function M.list()
	return M.rules()
end

return M

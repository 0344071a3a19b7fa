-- SPDX-License-Identifier: GPL-3.0-or-later
-- priming (RFC 8109): at start, and again when the root NS set's TTL runs out,
-- ask the root servers for `. NS`, find the addresses of the servers named
-- (glue in the answer, else A and AAAA queries) and replace the root hints
-- with them (hints.root{...}). A module written in Lua without a layer: it
-- runs on timers only, never per request.
local M = {
	retry = 10 * sec,        -- after a failed priming
	min_interval = 5 * sec,  -- never sooner than this after a success
	-- what the last successful priming found (for tests and the curious)
	last = nil,              -- { servers = n, addresses = n, ttl = s }
	count = 0,               -- successful primings
}

local timer = nil
local generation = 0   -- answers of an older priming (or after unload) are ignored

local function log(fmt, ...)
	io.stderr:write('[priming] ' .. string.format(fmt, ...) .. '\n')
end

local function schedule(ms)
	if timer then event.cancel(timer) end
	timer = event.after(ms, function ()
		timer = nil
		M.prime()
	end)
end

-- The RDATA text of a record (its presentation line without owner, TTL, class, type).
local function rdata_text(rec)
	return kres.rr2str(rec):match('^%S+%s+%S+%s+%S+%s+%S+%s+(.-)%s*$')
end

local function lower(name)
	return name:lower()
end

-- Put what was found into the root hints and plan the next priming.
local function apply(gen, servers, ttl)
	if gen ~= generation then return end
	local hints_table, nservers, naddrs = {}, 0, 0
	for name, addrs in pairs(servers) do
		if #addrs > 0 then
			hints_table[name] = addrs
			nservers = nservers + 1
			naddrs = naddrs + #addrs
		end
	end
	if nservers == 0 then
		log('no address of any root server found; retrying in %d s', M.retry / sec)
		schedule(M.retry)
		return
	end
	if not rawget(_G, 'hints') then
		log('the hints module is not loaded: cannot update the root hints; retrying in %d s', M.retry / sec)
		schedule(M.retry)
		return
	end
	local ok, err = pcall(hints.root, hints_table)
	if not ok then
		log('cannot update the root hints: %s; retrying in %d s', tostring(err), M.retry / sec)
		schedule(M.retry)
		return
	end
	M.count = M.count + 1
	M.last = { servers = nservers, addresses = naddrs, ttl = ttl }
	local next_ms = math.max(ttl * sec, M.min_interval)
	log('root hints updated: %d servers, %d addresses; next priming in %d s', nservers, naddrs, next_ms / sec)
	schedule(next_ms)
end

-- Find the addresses of the servers still missing, then apply.
local function resolve_addresses(gen, servers, ttl)
	-- One count for this loop itself: answers from the cache come back before
	-- resolve() returns, and must not apply while queries are still to be sent.
	local pending = 1
	local function done()
		pending = pending - 1
		if pending == 0 then apply(gen, servers, ttl) end
	end
	for name, addrs in pairs(servers) do
		if #addrs == 0 then
			for _, qtype in ipairs({ kres.type.A, kres.type.AAAA }) do
				pending = pending + 1
				local ok = pcall(resolve, name, qtype, kres.class.IN, 0, function (pkt)
					if gen == generation and pkt:rcode() == kres.rcode.NOERROR then
						for _, rec in ipairs(pkt:section(kres.section.ANSWER)) do
							if rec.type == qtype and lower(kres.dname2str(rec.owner)) == name then
								table.insert(addrs, rdata_text(rec))
							end
						end
					end
					done()
				end)
				if not ok then pending = pending - 1 end
			end
		end
	end
	done()
end

local function primed(gen, pkt)
	if gen ~= generation then return end
	local servers, ttl, n = {}, nil, 0
	if pkt:rcode() == kres.rcode.NOERROR then
		for _, rec in ipairs(pkt:section(kres.section.ANSWER)) do
			if rec.type == kres.type.NS and kres.dname2str(rec.owner) == '.' then
				local name = lower(kres.dname2str(rec.rdata))
				if not servers[name] then
					servers[name] = {}
					n = n + 1
				end
				ttl = ttl and math.min(ttl, rec.ttl) or rec.ttl
			end
		end
	end
	if n == 0 then
		log('no root NS set in the answer (rcode %d); retrying in %d s', pkt:rcode(), M.retry / sec)
		schedule(M.retry)
		return
	end
	for _, section in ipairs({ kres.section.ANSWER, kres.section.ADDITIONAL }) do
		for _, rec in ipairs(pkt:section(section)) do
			local owner = lower(kres.dname2str(rec.owner))
			if servers[owner] and (rec.type == kres.type.A or rec.type == kres.type.AAAA) then
				table.insert(servers[owner], rdata_text(rec))
			end
		end
	end
	resolve_addresses(gen, servers, ttl)
end

-- Prime now (also called by the timers). @return true when the query was sent.
function M.prime()
	generation = generation + 1
	local gen = generation
	local ok, err = pcall(resolve, '.', kres.type.NS, kres.class.IN, kres.query.NO_CACHE,
		function (pkt) primed(gen, pkt) end)
	if not ok then
		log('cannot send the priming query: %s; retrying in %d s', tostring(err), M.retry / sec)
		schedule(M.retry)
	end
	return ok
end

function M.init()
	schedule(0)   -- once the configuration has run (it may set hints.root)
end

function M.deinit()
	generation = generation + 1
	if timer then event.cancel(timer) end
	timer = nil
end

-- priming.config({retry = ms, min_interval = ms})
function M.config(conf)
	if conf == nil then return end
	if type(conf) ~= 'table' then error('priming.config() expects a table such as {retry = 10 * sec}', 2) end
	for k, v in pairs(conf) do
		if (k ~= 'retry' and k ~= 'min_interval') or type(v) ~= 'number' or v < 0 then
			error(string.format('priming.config(): unknown or invalid key %s', tostring(k)), 2)
		end
		M[k] = v
	end
end

return M

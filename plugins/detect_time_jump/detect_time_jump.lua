-- SPDX-License-Identifier: GPL-3.0-or-later
-- Companion of the detect_time_jump plugin: every period, compare the clocks
-- and clear the cache when the wall clock jumped. The timer stops by itself
-- once the plugin is unloaded (its table is then no longer the global).
local M = ...
if type(M) ~= 'table' then
	M = rawget(_G, 'detect_time_jump')
end
if type(M) ~= 'table' then
	error('[detect_time_jump] the plugin table is missing')
end

-- The timer ticks every second; the plugin decides when a period has passed
-- (so that detect_time_jump.config() applies at once, whoever calls it).
local TICK = 1000   -- ms

local function tick(ev)
	if rawget(_G, 'detect_time_jump') ~= M then
		event.cancel(ev)
		return
	end
	local r = M.poll()
	if r and r.action then
		local ok, err = true, nil
		if rawget(_G, 'cache') and cache.clear then
			ok, err = pcall(cache.clear)
		end
		io.stderr:write(string.format('[detect_time_jump] %s time jump of %d s: %s\n', r.action,
			math.floor(math.abs(r.jump) / 1000),
			ok and 'cache cleared' or ('cannot clear the cache: ' .. tostring(err))))
	end
end

M.poll()   -- the reference point
event.recurrent(TICK, tick)
return M

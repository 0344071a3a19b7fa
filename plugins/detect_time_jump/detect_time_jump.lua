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

local timer = nil

local function tick(ev)
	if rawget(_G, 'detect_time_jump') ~= M then
		event.cancel(ev)
		return
	end
	local r = M.check()
	if r.action then
		local ok, err = true, nil
		if rawget(_G, 'cache') and cache.clear then
			ok, err = pcall(cache.clear)
		end
		io.stderr:write(string.format('[detect_time_jump] %s time jump of %d s: %s\n', r.action,
			math.floor(math.abs(r.jump) / 1000),
			ok and 'cache cleared' or ('cannot clear the cache: ' .. tostring(err))))
	end
end

local function start()
	if timer then event.cancel(timer) end
	M.check()   -- the reference point
	timer = event.recurrent(M.settings().period, tick)
end

-- A new period takes effect at once.
local plugin_config = M.config
M.config = function (...)
	local res = plugin_config(...)
	start()
	return res
end

start()
return M

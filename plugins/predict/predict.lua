-- SPDX-License-Identifier: GPL-3.0-or-later
-- Companion of the predict plugin: the timers that run its refreshes.
--  * every half second, the prefetches the layer queued (answers near expiry);
--  * at the end of every window, the popular answers that expire before the
--    next window ends.
-- Refreshes are resolve(name, type, IN, kres.query.EXPIRING): the plugin's
-- layer makes them skip the cache lookup but store their answer. The timers
-- stop by themselves once the plugin is unloaded.
local M = ...
if type(M) ~= 'table' then
	M = rawget(_G, 'predict')
end
if type(M) ~= 'table' then
	error('[predict] the plugin table is missing')
end

-- The layer must run before the cache's (see predict.c).
if rawget(_G, 'cache') then
	modules.load('predict < cache')
end

local PREFETCH_TICK = 500   -- ms
local timers = {}

local function alive(ev)
	if rawget(_G, 'predict') ~= M then
		event.cancel(ev)
		return false
	end
	return true
end

local function refresh(list)
	for _, q in ipairs(list) do
		pcall(resolve, q[1], q[2], kres.class.IN, kres.query.EXPIRING)
	end
end

local function start()
	for _, t in pairs(timers) do event.cancel(t) end
	timers.prefetch = event.recurrent(PREFETCH_TICK, function (ev)
		if alive(ev) then refresh(M.pending()) end
	end)
	timers.window = event.recurrent(M.settings().window_ms, function (ev)
		if alive(ev) then refresh(M.rotate()) end
	end)
end

-- predict.config({window = minutes, period = windows}): a new window applies at once.
local plugin_config = M.config
M.config = function (...)
	local res = plugin_config(...)
	start()
	return res
end

start()
return M

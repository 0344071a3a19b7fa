-- SPDX-License-Identifier: GPL-3.0-or-later
-- Companion of the predict plugin: the timer that runs its refreshes, the
-- prefetches the layer queued (answers near expiry) and, at the end of every
-- window, the popular answers that expire before the next window ends.
-- Refreshes are resolve(name, type, IN, kres.query.EXPIRING): the plugin's
-- layer makes them skip the cache lookup but store their answer. The timer
-- stops by itself once the plugin is unloaded.
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

-- The timer ticks four times a second; the plugin decides when a window
-- ends (so that predict.config() applies at once, whoever calls it).
local TICK = 250   -- ms

event.recurrent(TICK, function (ev)
	if rawget(_G, 'predict') ~= M then
		event.cancel(ev)   -- unloaded
		return
	end
	for _, q in ipairs(M.tick()) do
		pcall(resolve, q[1], q[2], kres.class.IN, kres.query.EXPIRING)
	end
end)
return M

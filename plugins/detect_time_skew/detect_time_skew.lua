-- SPDX-License-Identifier: GPL-3.0-or-later
-- Companion of the detect_time_skew plugin: ask for the root DNSKEY once at
-- start (the plugin's layer checks the clock against its signatures).
local M = rawget(_G, 'detect_time_skew')
if type(M) ~= 'table' then
	error('[detect_time_skew] the plugin table is missing')
end

event.after(0, function ()
	-- Unloaded (or loaded again) meanwhile: nothing to do.
	if rawget(_G, 'detect_time_skew') ~= M or not M.root_anchored() then
		return
	end
	resolve('.', kres.type.DNSKEY, kres.class.IN, {'NO_CACHE'})
end)

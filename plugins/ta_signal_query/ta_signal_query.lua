-- SPDX-License-Identifier: GPL-3.0-or-later
-- Companion of the ta_signal_query plugin: send the RFC 8145 key tag query
-- for the root at start and then every M.interval milliseconds (default a day),
-- through the normal resolution (the answer itself does not matter).
local M = rawget(_G, 'ta_signal_query')
if type(M) ~= 'table' then
	error('[ta_signal_query] the plugin table is missing')
end
M.interval = 24 * 3600 * 1000

-- Each timer is a one-shot one that arms the next: after modules.unload()
-- (or a new load, with its own table) the chain ends.
local function schedule()
	if rawget(_G, 'ta_signal_query') ~= M then
		return
	end
	local qname = M.qname()
	if qname then
		resolve(qname, kres.type.NULL, kres.class.IN)
	end
	event.after(M.interval, schedule)
end

event.after(0, schedule)

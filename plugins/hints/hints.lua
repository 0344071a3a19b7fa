-- SPDX-License-Identifier: GPL-3.0-or-later
-- Companion of the hints plugin, loaded after hints.so: table sugar over its props.
--   hints['router.lan'] = '192.0.2.1'              -- hints.set('router.lan 192.0.2.1')
--   hints['nas.lan'] = {'192.0.2.2', '2001:db8::2'}
--   hints['router.lan'] = nil                       -- hints.del('router.lan')
--   print(table.concat(hints['localhost'], ' '))    -- hints.get('localhost')
local M = ...
if type(M) ~= 'table' then
	M = rawget(_G, 'hints')
end
if type(M) ~= 'table' then
	error('[hints] the hints plugin table is missing: hints.lua must run after hints.so is loaded')
end

-- The bridge may already give the table a metatable: keep its behaviour first.
local mt = getmetatable(M) or {}
local prev_index, prev_newindex = mt.__index, mt.__newindex

local function lookup_prev(t, key)
	if type(prev_index) == 'function' then
		return prev_index(t, key)
	elseif type(prev_index) == 'table' then
		return prev_index[key]
	end
	return nil
end

-- Accept 'addr' or {'addr', ...} as the value assigned to a name.
local function set_name(name, value)
	if type(value) == 'string' then
		return M.set(name .. ' ' .. value)
	elseif type(value) == 'table' then
		for _, addr in ipairs(value) do
			M.set(name .. ' ' .. tostring(addr))
		end
		return true
	end
	error(string.format('[hints] hints[%q] = expects an address or a list of addresses, got %s',
		name, type(value)))
end

mt.__index = function(t, key)
	local v = lookup_prev(t, key)
	if v ~= nil or type(key) ~= 'string' then
		return v
	end
	return M.get(key)
end

mt.__newindex = function(t, key, value)
	if type(key) ~= 'string' or lookup_prev(t, key) ~= nil then
		if type(prev_newindex) == 'function' then
			return prev_newindex(t, key, value)
		end
		return rawset(t, key, value)
	end
	if value == nil then
		return M.del(key)
	end
	return set_name(key, value)
end

setmetatable(M, mt)
return M

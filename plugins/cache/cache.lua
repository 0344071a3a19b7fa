-- SPDX-License-Identifier: GPL-3.0-or-later
-- Companion of the cache plugin, loaded after cache.so: fields and indexing over its props.
--   cache.size = 100 * MB          -- cache.open(100 * MB)
--   print(cache.current_size)      -- also cache.size
--   cache.storage = 'bdb:///var/cache/kresd'
--   print(cache.current_storage)   -- also cache.storage
--   cache['example.com']           -- cache.get('example.com')
local M = ...
if type(M) ~= 'table' then
	M = rawget(_G, 'cache')
end
if type(M) ~= 'table' then
	error('[cache] the cache plugin table is missing: cache.lua must run after cache.so is loaded')
end

-- Read-only fields backed by props: move the functions out of the way.
local current_size = rawget(M, 'current_size')
local current_storage = rawget(M, 'current_storage')
local set_storage = rawget(M, 'set_storage')
rawset(M, 'current_size', nil)
rawset(M, 'current_storage', nil)

local fields = {
	size = function() return current_size() end,
	current_size = function() return current_size() end,
	storage = function() return current_storage() end,
	current_storage = function() return current_storage() end,
}

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

mt.__index = function(t, key)
	if fields[key] then
		return fields[key]()
	end
	local v = lookup_prev(t, key)
	if v ~= nil or type(key) ~= 'string' then
		return v
	end
	return M.get(key)
end

mt.__newindex = function(t, key, value)
	if key == 'size' then
		if type(value) ~= 'number' then
			error('[cache] cache.size = expects a number of bytes, e.g. 100 * MB')
		end
		M.open(value)
		return
	elseif key == 'storage' then
		if type(value) ~= 'string' then
			error("[cache] cache.storage = expects a URI string, e.g. 'bdb://.'")
		end
		set_storage(value)
		return
	elseif key == 'current_size' or key == 'current_storage' then
		if type(value) == 'function' then   -- the props bridge refreshing the table
			current_size = key == 'current_size' and value or current_size
			current_storage = key == 'current_storage' and value or current_storage
			return
		end
		error('[cache] cache.' .. key .. ' is read-only: set cache.' ..
			(key == 'current_size' and 'size' or 'storage'))
	end
	if type(prev_newindex) == 'function' then
		return prev_newindex(t, key, value)
	end
	return rawset(t, key, value)
end

setmetatable(M, mt)
return M

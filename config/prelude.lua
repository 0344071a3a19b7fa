-- SPDX-License-Identifier: GPL-3.0-or-later
-- Configuration sugar run before the config file: units, env, and the
-- declarative forms `modules = {...}` and `net = {...}`.

kB = 1024
MB = 1024 * kB
GB = 1024 * MB
-- Times are in milliseconds, as the event and cache functions take them.
sec = 1000
second = sec
minute = 60 * sec
min = minute
hour = 60 * minute
day = 24 * hour

env = setmetatable({}, {
	__index = function (_, k) return os.getenv(k) end,
	__newindex = function () error('env is read-only', 2) end,
})

-- Tables that accept a declarative assignment live outside _G, so that
-- `modules = {...}` reaches __newindex instead of replacing them.
local declarative = { modules = modules, net = net }
rawset(_G, 'modules', nil)
rawset(_G, 'net', nil)

local function sorted_keys(t)
	local keys = {}
	for k in pairs(t) do
		if type(k) == 'string' then table.insert(keys, k) end
	end
	table.sort(keys)
	return keys
end

local function declare_modules(list)
	if type(list) ~= 'table' then
		error('modules must be a table, e.g. modules = { \'hints\' }', 3)
	end
	for _, spec in ipairs(list) do
		if type(spec) ~= 'string' then error('modules: entries must be names like \'hints > iterate\'', 3) end
		declarative.modules.load(spec)
	end
	for _, name in ipairs(sorted_keys(list)) do
		declarative.modules.load(name)
		local conf = list[name]
		local module = rawget(_G, name:match('^%s*([%w_-]+)'))
		if module and module.config then module.config(conf) end
	end
end

local function declare_net(list)
	if type(list) ~= 'table' then
		error('net must be a table of addresses, e.g. net = { \'127.0.0.1\', \'::1\' }', 3)
	end
	for _, addr in ipairs(list) do
		declarative.net.listen(addr)
	end
	-- An explicit declaration, even `net = {}`, replaces the default addresses
	-- (kresd-query and kresd-host listen nowhere this way).
	rawset(_G, '__kr_net_declared', true)
end

setmetatable(_G, {
	__index = declarative,
	__newindex = function (t, k, v)
		if k == 'modules' then
			declare_modules(v)
		elseif k == 'net' then
			declare_net(v)
		else
			rawset(t, k, v)
		end
	end,
})

-- Event ids are numbers; the reference cancels with `e.cancel(e)`, so a number
-- answers .cancel and .reschedule (any other index is the usual error).
debug.setmetatable(0, {
	__index = function (_, k)
		if k == 'cancel' or k == 'reschedule' then return event[k] end
		error('attempt to index a number value', 2)
	end,
})

-- Pretty-print a value as the CLI shows it.
local function serialize(v, indent)
	indent = indent or ''
	if type(v) ~= 'table' then
		if type(v) == 'string' then return v end
		return tostring(v)
	end
	local lines = {}
	local keys = {}
	for k in pairs(v) do table.insert(keys, k) end
	table.sort(keys, function (a, b)
		if type(a) == type(b) and (type(a) == 'number' or type(a) == 'string') then return a < b end
		return type(a) < type(b)
	end)
	for _, k in ipairs(keys) do
		local val = v[k]
		if type(val) == 'table' then
			table.insert(lines, string.format('%s[%s] => {', indent, tostring(k)))
			table.insert(lines, serialize(val, indent .. '    '))
			table.insert(lines, indent .. '}')
		else
			table.insert(lines, string.format('%s[%s] => %s', indent, tostring(k), serialize(val)))
		end
	end
	return table.concat(lines, '\n')
end
rawset(_G, '__kr_serialize', serialize)

-- SPDX-License-Identifier: GPL-3.0-or-later
-- Companion of the validate plugin: the trust_anchors table over its props.
local V = ...
if type(V) ~= 'table' then
	V = rawget(_G, 'validate')
end
if type(V) ~= 'table' then
	error('[ta] the validate plugin table is missing')
end

local negative = {}
local ta = {}

function ta.add(rr)
	return V.ta_add(rr)
end

function ta.remove(name)
	return V.ta_remove(name)
end

function ta.set_insecure(list)
	negative = list or {}
	return V.ta_negative(negative)
end

function ta.summary()
	return V.ta_summary()
end

-- A zone-file style key file: DS/DNSKEY records, ';' comments, ( ) continuations.
function ta.add_file(path, readonly)
	local f, err = io.open(path, 'r')
	if not f then
		error(string.format('[ta] cannot read trust anchor file %s: %s', path, tostring(err)))
	end
	local text = f:read('*a')
	f:close()
	text = text:gsub(';[^\n]*', '')
	text = text:gsub('%b()', function (s) return s:sub(2, -2):gsub('\n', ' ') end)
	local n = 0
	for line in text:gmatch('[^\n]+') do
		if line:match('%sDS%s') or line:match('%sDNSKEY%s') then
			V.ta_add(line)
			n = n + 1
		end
	end
	if n == 0 then
		error(string.format('[ta] no DS or DNSKEY record in %s', path))
	end
	return true
end

ta.config = ta.add_file

setmetatable(ta, {
	__index = function (_, k)
		if k == 'negative' or k == 'insecure' then
			return negative
		end
		return nil
	end,
	__newindex = function (t, k, v)
		if k == 'negative' or k == 'insecure' then
			ta.set_insecure(v)
		elseif k == 'file' then
			ta.add_file(v)
		else
			rawset(t, k, v)
		end
	end,
})

rawset(_G, 'trust_anchors', ta)
return V

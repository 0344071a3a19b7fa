-- SPDX-License-Identifier: GPL-3.0-or-later
-- Companion of the view plugin, loaded after view.so: Knot Resolver's view API.
--   view:addr('127.0.0.0/8', policy.all(policy.PASS))
--   view:addr('0.0.0.0/0', policy.all(policy.REFUSE))
--   view:tsig('\5mykey', policy.suffix(policy.DENY, {todname('bad.lab.')}))
-- Rules are built with the policy plugin's functions (loaded here if needed).
local M = rawget(_G, 'view')
if type(M) ~= 'table' then
	error('[view] the view plugin table is missing: view.lua must run after view.so is loaded')
end
if type(rawget(_G, 'policy')) ~= 'table' or type(policy._spec) ~= 'function' then
	modules.load('policy')
end

local c_addr, c_tsig = M.rule_addr, M.rule_tsig

-- view:addr(subnet, rule) or view.addr(subnet, rule): returns the rule id.
function M.addr(a, b, c)
	if a == M then a, b = b, c end
	if type(a) ~= 'string' then error('view:addr: expected a subnet (\'10.0.0.0/8\')', 2) end
	local spec = policy._spec(b, false, 'view:addr')
	return policy._call_c(c_addr, 'view:addr', 2, { subnet = a, rule = spec })
end

-- view:tsig(key, rule): key is a TSIG key name, in wire form ('\5mykey') or text.
function M.tsig(a, b, c)
	if a == M then a, b = b, c end
	if type(a) ~= 'string' then error('view:tsig: expected a key name', 2) end
	local key = policy._name_text(a, 'view:tsig')
	local spec = policy._spec(b, false, 'view:tsig')
	return policy._call_c(c_tsig, 'view:tsig', 2, { key = key, rule = spec })
end

return M

-- wrk script: every request() sends 16 pipelined GETs of the path, as the
-- TechEmpower plaintext test does; wrk counts each response.
init = function(args)
  local r = {}
  for i = 1, 16 do r[i] = wrk.format(nil) end
  req = table.concat(r)
end
request = function() return req end

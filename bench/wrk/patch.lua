-- PATCH with a real If-Match: every request carries the ETag its item has at
-- that moment, as a client that has just read the item would send.
--
-- BENCH_PATCH_FILE holds "id version" lines, read from the database right
-- before this run. The script walks them in order (so with 16 connections no
-- two requests in flight name the same item) and learns each item's new
-- version from the response body, so a wrap-around still sends fresh tags.
-- Each body sets a new quantity, so every request is a real write (version+1).
-- A 412 here would mean the server got versions wrong: wrk counts it as non-2xx.
local ids, versions = {}, {}
local position, counter = 0, 0
local headers = { ["Content-Type"] = "application/merge-patch+json" }

function init(args)
  for line in io.lines(os.getenv("BENCH_PATCH_FILE")) do
    local id, version = line:match("^(%S+) (%d+)$")
    ids[#ids + 1] = id
    versions[id] = tonumber(version)
  end
end

function request()
  position = position % #ids + 1
  counter = counter + 1
  local id = ids[position]
  headers["If-Match"] = '"' .. versions[id] .. '"'
  local body = '{"quantity":' .. (counter % 100000) .. '}'
  return wrk.format("PATCH", "/api/v1/items/" .. id, headers, body)
end

function response(status, headers, body)
  local id = body:match('"id"%s*:%s*"([%x%-]+)"')
  local version = body:match('"version"%s*:%s*(%d+)')
  if id and version then
    versions[id] = tonumber(version)
  end
end

-- POST an order of 3 lines, 1 unit each, over a pool of items stocked so that
-- no run can empty them (run.py sets the pool's quantity to 1,000,000,000
-- before the scenario; a full run places well under 100,000 orders).
--
-- BENCH_ORDER_ITEMS_FILE holds the pool's ids, one a line, shuffled. The script
-- walks it 3 ids at a time, so consecutive orders name different items and with
-- 16 connections no two orders in flight lock the same row (the pool has
-- thousands of items): the scenario measures placing orders, not queueing on
-- one item's row lock. Lines are sent in pool order, not item_id order: the
-- server sorts them before locking.
--
-- When BENCH_ORDER_LOG names a file, every 201 appends "<order id> <epoch s>"
-- to it: the wall-clock time wrk had the response, which bench/follower.py
-- compares with when the order.placed event reached the change feed.
local ids = {}
local position = 0
local headers = { ["Content-Type"] = "application/json" }
local log = nil
local ffi = nil
local now = nil

function init(args)
  for line in io.lines(os.getenv("BENCH_ORDER_ITEMS_FILE")) do
    ids[#ids + 1] = line
  end
  local path = os.getenv("BENCH_ORDER_LOG")
  if path and path ~= "" then
    ffi = require("ffi")
    ffi.cdef[[
      typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
      int clock_gettime(int clock, bench_timespec *now);
    ]]
    now = ffi.new("bench_timespec")
    log = io.open(path, "a")
    log:setvbuf("line")
  end
end

local function next_id()
  position = position % #ids + 1
  return ids[position]
end

function request()
  local body = '{"lines":[{"item_id":"' .. next_id() .. '","quantity":1},'
    .. '{"item_id":"' .. next_id() .. '","quantity":1},'
    .. '{"item_id":"' .. next_id() .. '","quantity":1}]}'
  return wrk.format("POST", "/api/v1/orders", headers, body)
end

-- Defined only when logging: wrk hands responses to Lua only if the script has
-- this function when it loads, and the order runs measured for req/s need not.
if (os.getenv("BENCH_ORDER_LOG") or "") ~= "" then
  function response(status, headers, body)
    if status == 201 then
      ffi.C.clock_gettime(0, now) -- CLOCK_REALTIME, the clock Python's time.time() reads
      local location = headers["Location"] or headers["location"] or ""
      local id = location:match("([%x%-]+)$")
      if id then
        log:write(id, " ", string.format("%d.%09d", tonumber(now.tv_sec), tonumber(now.tv_nsec)), "\n")
      end
    end
  end
end

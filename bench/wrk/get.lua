-- GET one item by id: every request picks a random seeded id (uniform over
-- the table, so the database serves from its cache but not from one page).
-- BENCH_IDS_FILE holds one id per line.
local ids = {}

function init(args)
  for line in io.lines(os.getenv("BENCH_IDS_FILE")) do
    ids[#ids + 1] = line
  end
  math.randomseed(os.time())
end

function request()
  return wrk.format("GET", "/api/v1/items/" .. ids[math.random(#ids)])
end

-- POST create: the same valid body every time (each request makes a new item).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"name":"bench item","description":"made by wrk","price":"12.50","quantity":3}'

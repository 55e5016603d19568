-- make bench: the requests of one endpoint for wrk, over random ids of the
-- generated data (tests/bench/generate.sql says how ids follow from ticket
-- ordinals g and customer ordinals k; tests/bench/pgbench/*.sql build the
-- same requests for pgbench).
--
--   wrk -s wrk.lua URL -- ENDPOINT n=N c=C id0=ID0 threads=T
--                          [lo=G] [tokens=FILE] [run=ID] [check=1]
--
-- lo: first ordinal of the pool a consuming endpoint (ws-start, hd-close)
-- walks; each thread takes every T-th ordinal, so no ticket is used twice.
-- check=1 keeps the first answer that is not 2xx or 3xx of each thread and
-- prints it at the end (it costs wrk a Lua call per response).  The last
-- line is "WRK key=value ...", which run.sh reads.

local cfg, build, threads = {}, nil, {}
local count = 0

function setup(thread)
    thread:set("tid", #threads)
    table.insert(threads, thread)
end

local function rand(lo, hi)
    return math.random(lo, hi)
end

-- a ticket ordinal of the kinds o_lo..o_hi of g % 20
local function some_g(o_lo, o_hi)
    return 20 * rand(1, math.floor((cfg.n - o_hi) / 20)) + rand(o_lo, o_hi)
end

local function uuid_of(g)
    return string.format("%08x-be0c-4000-8000-000000000000", g)
end

local function operator_uuid(i)
    return string.format("%08x-0be0-4000-8000-000000000000", i)
end

local function next_pool_g()
    local g = cfg.lo + tid + cfg.threads * count
    count = count + 1
    return g
end

local tokens = {}

local wskey = { ["X-Api-Key"] = "demo-workshop-key" }

local builders = {
    ["nginx"] = function()
        return wrk.format("GET", "/bench/nginx")
    end,

    ["lookup"] = function()
        return wrk.format("GET", "/bench/lookup/" .. (cfg.id0 + rand(1, cfg.n)))
    end,

    ["lookup-pl"] = function()
        return wrk.format("GET", "/bench/lookup-pl/"
                          .. (cfg.id0 + rand(1, cfg.n)))
    end,

    ["hd-details"] = function()
        return wrk.format("GET", "/api/v1/get_ticket_details/"
                          .. (1000000 + some_g(0, 8)))
    end,

    ["q-get"] = function()
        return wrk.format("GET", "/v1/tickets/" .. uuid_of(some_g(9, 14)))
    end,

    ["ws-get"] = function()
        -- pending: the newest tenth of the workshop tickets
        local b = rand(math.floor(math.floor(9 * cfg.n / 10) / 20) + 1,
                       math.floor((cfg.n - 17) / 20))
        return wrk.format("GET", "/v2/tickets/pending-tickets/"
                          .. uuid_of(20 * b + rand(15, 17)), wskey)
    end,

    ["hd-list"] = function()
        return wrk.format("GET", "/api/v1/get_tickets/"
                          .. (1000000 + rand(1, cfg.c)) .. "/unresolved")
    end,

    ["q-list"] = function()
        return wrk.format("GET",
                          "/v1/tickets?customer_id_type=DNI&customer_id_number="
                          .. (50000000 + rand(1, cfg.c)))
    end,

    ["crm-details"] = function()
        return wrk.format("GET", "/crm/v1/ticket/details", {
            ["token"] = tokens[rand(1, #tokens)],
            ["correlationId"] = "bench",
            ["source"] = "bench",
            ["srdate"] = "01-01-2030",
            ["operation"] = "ticketDetail",
            ["destination"] = "crm",
        })
    end,

    ["hd-raise"] = function()
        return wrk.format("POST", "/api/v1/raise_ticket",
            { ["Content-Type"] = "application/json" },
            '{"type":"Technical","subject":"Bench ticket","userId":"'
            .. (1000000 + rand(1, cfg.c))
            .. '","comments":"It stopped working after the update.",'
            .. '"priority":"low"}')
    end,

    ["q-create"] = function()
        local s = rand(1, 3)
        local sector = (s == 3) and "S2" or "S1"
        return wrk.format("POST",
            "/v1/tickets?customer_id_type=DNI&customer_id_number="
            .. (50000000 + rand(1, cfg.c)),
            { ["Content-Type"] = "application/x-www-form-urlencoded" },
            "channel=kiosk&branch_id=BR"
            .. string.format("%03d", rand(1, 100))
            .. "&sector_id=" .. sector .. "&service_id=SV" .. s
            .. "&phone=%2B34600000000")
    end,

    ["res-create"] = function()
        -- cut-off customers are those with k % 10 = 0
        local id = 300000000000 + 10 * rand(1, math.floor(cfg.c / 10))
        count = count + 1
        return wrk.format("POST", "/api/v1/customers/" .. id .. "/tickets", {
            ["Authorization"] = "Basic b2NzdXNlcjpvY3N1c2Vy",
            ["Request-Tracking-Id"] = "wrk-" .. cfg.run .. "-" .. tid
                                      .. "-" .. count,
            ["ProfileId"] = "Siebel_201",
            ["Content-Type"] = "application/json",
        }, '{"customer_id":' .. id .. ',"reason_code":"RS01",'
            .. '"reason":"Payment received",'
            .. '"dispatch_date_time":"2031-01-31T09:00:00Z",'
            .. '"service":{"id":"26984565","code":"INT",'
            .. '"description":"Internet"},'
            .. '"requestor_info":{"name":"Karen Hain","phone":"5551234567",'
            .. '"email":"karen@example.com"},"assigned_to_user":"tech01"}')
    end,

    ["ws-start"] = function()
        return wrk.format("PATCH",
            "/v2/tickets/pending-tickets/" .. uuid_of(next_pool_g()), {
                ["X-Api-Key"] = "demo-workshop-key",
                ["Content-Type"] = "application/json",
            }, '{"transition":{"type":"start-service","operator_id":"'
            .. operator_uuid(rand(1, 50)) .. '"}}')
    end,

    ["hd-close"] = function()
        return wrk.format("GET", "/api/v1/close_ticket/"
                          .. (1000000 + next_pool_g()))
    end,
}

-- the soak run: every endpoint that needs no pool, in turn
local mix = { "lookup", "hd-details", "q-get", "ws-get", "hd-list", "q-list",
              "crm-details", "hd-raise", "q-create", "res-create" }

builders["mix"] = function()
    local f = builders[mix[count % #mix + 1]]
    if mix[count % #mix + 1] ~= "res-create" then
        count = count + 1
    end
    return f()
end

-- globals, so that done() reads them with thread:get()
bad_status, bad_body = nil, nil

local function check_response(status, headers, body)
    if (status < 200 or status > 399) and bad_status == nil then
        bad_status = status
        bad_body = body
    end
end

function init(args)
    for i = 2, #args do
        local k, v = args[i]:match("^([^=]+)=(.*)$")
        cfg[k] = tonumber(v) or v
    end
    cfg.run = cfg.run or tostring(os.time())
    build = builders[args[1]]
    if build == nil then
        error("unknown endpoint " .. tostring(args[1]))
    end
    math.randomseed(os.time() + 7919 * tid + math.floor(os.clock() * 1e6))
    if cfg.tokens then
        for line in io.lines(cfg.tokens) do
            table.insert(tokens, line)
        end
    end
    if cfg.check == 1 then
        response = check_response
    end
end

function request()
    return build()
end

function done(summary, latency, requests)
    local e = summary.errors
    for _, t in ipairs(threads) do
        local s = t:get("bad_status")
        if s then
            io.write("WRKBAD " .. s .. " "
                     .. tostring(t:get("bad_body")):sub(1, 300) .. "\n")
            break
        end
    end
    io.write(string.format(
        "WRK requests=%d duration_us=%d p50_us=%d p99_us=%d connect=%d "
        .. "read=%d write=%d status=%d timeout=%d\n",
        summary.requests, summary.duration, latency:percentile(50),
        latency:percentile(99), e.connect, e.read, e.write, e.status,
        e.timeout))
end

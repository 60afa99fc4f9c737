-- wrk script: GET /v1/accounts/BIG/balance?as_of=<a random day of 2019>.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
math.randomseed(42)

request = function()
  local day = os.date("!%Y-%m-%d", 1546300800 + math.random(0, 364) * 86400)
  return wrk.format("GET", "/v1/accounts/BIG/balance?as_of=" .. day)
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end

-- wrk script: single-entry POST /v1/entries on keep-alive connections.
-- TOKEN comes from the environment (bench/ledger.sh).
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"date":"2019-06-01","memo":"bench","reference":"B","postings":[' ..
  '{"account":"1010","side":"debit","amount":"12.34","currency":"EUR"},' ..
  '{"account":"4010","side":"credit","amount":"12.34","currency":"EUR"}]}'

function response(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end

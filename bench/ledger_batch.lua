-- wrk script: POST /v1/entries/batch with the body in $BATCH_FILE.
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("BATCH_FILE"), "rb"))
wrk.body = f:read("*a")
f:close()

function response(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. string.sub(body, 1, 200) .. "\n")
  end
end

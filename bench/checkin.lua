-- wrk script: POST a valid check-in as one of many logged-in patients, in turn.
-- Each line of the sessions file (the first script argument) is "<Cookie header>\t<CSRF token>".
-- Each wrk thread takes its own share of the patients, so no patient has two check-ins in flight
-- at once (a person submits one form at a time).
local sessions = {}
local next_one = 0
local threads = 0

function setup(thread)
  thread:set("share", threads)
  threads = threads + 1
end
local form = "pain_now=%d&worst_pain=9&walking_level=2&minutes_upright=30&medication=otc"
  .. "&sleep_disturbed=no&flag_neuro=no&flag_chest=no&flag_infection=no&flag_calf=no&csrf_token=%s"

function init(args)
  local n = 0
  for line in io.lines(args[1]) do
    local cookie, token = line:match("([^\t]+)\t([^\t]+)")
    if n % 2 == share then table.insert(sessions, {cookie, token}) end
    n = n + 1
  end
  next_one = math.random(#sessions)
end

function request()
  next_one = next_one % #sessions + 1
  local s = sessions[next_one]
  return wrk.format("POST", "/patient/checkin",
    {["Cookie"] = s[1], ["Content-Type"] = "application/x-www-form-urlencoded"},
    string.format(form, next_one % 8, s[2]))
end

-- wrk script: POST a valid check-in as one of many logged-in patients, in turn.
-- Each line of the sessions file (the first script argument) is "<Cookie header>\t<CSRF token>";
-- the second argument is the path to post to (/patient/checkin, or the floor: /bench/floor).
-- Each wrk thread takes its own share of the patients, so no patient has two check-ins in flight
-- at once (a person submits one form at a time).
local sessions = {}
local next_one = 0
local threads = 0
local path = "/patient/checkin"

function setup(thread)
  thread:set("share", threads)
  threads = threads + 1
end
local form = "pain_now=%d&worst_pain=9&walking_level=2&minutes_upright=30&medication=otc"
  .. "&sleep_disturbed=no&flag_neuro=no&flag_chest=no&flag_infection=no&flag_calf=no&csrf_token=%s"

function init(args)
  if args[2] then path = args[2] end
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
  return wrk.format("POST", path,
    {["Cookie"] = s[1], ["Content-Type"] = "application/x-www-form-urlencoded"},
    string.format(form, next_one % 8, s[2]))
end

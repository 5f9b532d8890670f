-- wrk script: POST a valid check-in as one of many logged-in patients, in turn.
-- Each line of the sessions file (the first script argument) is "<Cookie header>\t<CSRF token>".
local sessions = {}
local next_one = 0
local form = "pain_now=%d&worst_pain=9&walking_level=2&minutes_upright=30&medication=otc"
  .. "&sleep_disturbed=no&flag_neuro=no&flag_chest=no&flag_infection=no&flag_calf=no&csrf_token=%s"

function init(args)
  for line in io.lines(args[1]) do
    local cookie, token = line:match("([^\t]+)\t([^\t]+)")
    table.insert(sessions, {cookie, token})
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

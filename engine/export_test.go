package engine

// WaitSchedule names the schedule of timed waits, for tests that look at it.
const WaitSchedule = waitSchedule

/** Schedules (`@batchops/core/schedules`): jobs saved and run by hand by their rules, cron schedules, the scheduler that queues due jobs, and the job runner that runs automations. */

export {
  type DecodedParams,
  decodeParams,
  describeProblems,
  type JobRunnerLoopOptions,
  type JobRunnerOptions,
  type JobRunnerOutcome,
  type JobRunnerServices,
  paramsProblems,
  processNextJobRun,
  runJobRunnerLoop,
} from "./JobRunner.js"
export {
  jobSchedule,
  registerSchedule,
  runSchedulerLoop,
  type ScheduledRun,
  type SchedulerLoopOptions,
  type SchedulerTickOptions,
  type SchedulerTickResult,
  schedulerTick,
} from "./JobScheduler.js"
export {
  changeJob,
  checkAutomation,
  checkSchedule,
  createJob,
  getJob,
  JobRefused,
  jobScheduleView,
  normalJobChanges,
  runByHandOf,
  runJobByHand,
  triggerJob,
} from "./Jobs.js"
export {
  describeSchedule,
  type JobSchedule,
  MAX_MISFIRE_TICKS,
  type MisfireInput,
  type MisfirePlan,
  type MisfirePolicy,
  nextRuns,
  parseSchedule,
  planMisfires,
  previousRun,
  ScheduleError,
  type ScheduleInput,
} from "./Schedule.js"

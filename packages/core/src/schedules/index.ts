/** Schedules (`@batchops/core/schedules`): cron schedules, the scheduler that queues due jobs, and the job runner that runs automations. */

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

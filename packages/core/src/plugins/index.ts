/** Plugins (`@batchops/core/plugins`): the plugin contract, the registry a program runs, the built-in plugin and the automation contract. */

export {
  ActivityReport,
  type ActivityReportShape,
  type ActivitySummary,
  type AuditSurvey,
  type Automation,
  type AutomationContext,
  AutomationError,
  type AutomationResult,
  type AutomationServices,
  AutomationSettings,
  type AutomationSettingsShape,
  DEFAULT_MANUAL_RUN_ACCESS,
  defineAutomation,
  MANUAL_RUN_ACCESS,
  type ManualRunAccess,
  mayRunByHand,
  type PurgeableUpload,
  RecordRetention,
  type RecordRetentionShape,
  type RetentionSurvey,
  UploadFiles,
  type UploadFilesShape,
} from "./Automation.js"
export { batchopsPlugin, builtinStages } from "./BuiltinPlugin.js"
export { definePlugin, PLUGIN_API_VERSION, type Plugin } from "./Plugin.js"
export { CurrentRegistry, createRegistry, type Registry } from "./Registry.js"

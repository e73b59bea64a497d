/**
 * Plugins: plain named values that contribute stages, plans, profiles, parsers, known
 * errors and automations. BatchOps' own are registered through this same API.
 */

import type { KnownError } from "../known-errors/KnownError.js"
import type { FileParser } from "../pipeline/FileParser.js"
import type { Plan } from "../pipeline/Plan.js"
import type { Profile } from "../pipeline/Profile.js"
import type { Stage } from "../pipeline/Stage.js"
import type { Automation } from "./Automation.js"

export interface Plugin {
  /** unique name; every error about this plugin's contributions says it */
  readonly name: string
  /**
   * The plugin API the plugin targets: `PLUGIN_API_VERSION` of the core it was written for.
   * A core that provides another API version refuses the plugin with a PluginError.
   */
  readonly apiVersion: number
  readonly version?: string
  readonly stages?: ReadonlyArray<Stage>
  // biome-ignore lint/suspicious/noExplicitAny: a plan's config type is its own business
  readonly plans?: ReadonlyArray<Plan<any>>
  readonly profiles?: ReadonlyArray<Profile>
  readonly knownErrors?: ReadonlyArray<KnownError>
  readonly parsers?: ReadonlyArray<FileParser>
  readonly automations?: ReadonlyArray<Automation>
}

/** Declare a plugin (an identity function that gives the value its type). */
export const definePlugin = <const P extends Plugin>(plugin: P): P => plugin

/** The plugin API this core provides: a plugin declares the version it targets as `apiVersion`. */
export const PLUGIN_API_VERSION = 1

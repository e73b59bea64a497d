/**
 * Settings from the environment, read through Effect `Config`: each package declares the
 * settings it reads in one place as `Config` values and parses them with this provider.
 */
import { ConfigProvider } from "effect"

/**
 * An environment record (e.g. `process.env`) as a `ConfigProvider` for settings: values are
 * trimmed and a blank one counts as unset, except the names in `raw` (passwords), which are
 * kept exactly as written (a blank one is still unset).
 */
export const settingsProvider = (
  env: Readonly<Record<string, string | undefined>>,
  raw: ReadonlyArray<string> = [],
): ConfigProvider.ConfigProvider =>
  ConfigProvider.fromEnv({
    env: Object.fromEntries(
      Object.entries(env).flatMap(([name, value]) =>
        value === undefined || value.trim() === "" ? [] : [[name, raw.includes(name) ? value : value.trim()]],
      ),
    ),
  })

/**
 * `@batchops/accounts`: BatchOps' accounts over core's ports (`UsersRepo`, `TokensRepo`,
 * `AuthCodesRepo`, `RateLimits`, `Mailer`): passwords and one-time codes hashed with scrypt,
 * the password rules, making an account, signing in and changing one's password, emailed codes
 * to verify an address or reset a password, and the sign-in limits per account and address.
 * A refusal is an `AuthRefused` with its reason and the words the person reads.
 */

export { type AdminChanges, changeAccount } from "./AccountChanges.js"
export {
  AccountRefused,
  createAccount,
  deriveUsername,
  isEmail,
  type NewAccount,
  normalizeEmail,
  usernameProblem,
} from "./Accounts.js"
export { AuthRefused, invalidCode, passwordRefused } from "./AuthRefused.js"
export { AuthSettings, type AuthSettingsShape, authSettings, DAY_MS } from "./AuthSettings.js"
export { confirmEmail, deliverCode, resetPassword } from "./Codes.js"
export { commonPasswords, isCommonPassword } from "./CommonPasswords.js"
export {
  CODE_PARAMS,
  hashSecret,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  newCode,
  PASSWORD_PARAMS,
  passwordProblems,
  type ScryptParams,
  verifyAgainstNothing,
  verifySecret,
} from "./Secrets.js"
export { changePassword, type SignedIn, signIn } from "./SignIn.js"
export { awaitTurn, clearFailures, delayAfter, type LimitedAction, recordFailure } from "./SignInLimits.js"

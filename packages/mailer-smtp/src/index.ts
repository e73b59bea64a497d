/**
 * `@batchops/mailer-smtp`: the `Mailer` port of `@batchops/core` over SMTP (nodemailer),
 * configured from the environment's `EMAIL_*` variables, with the fallbacks a site without mail
 * uses (messages logged, or written to a folder).
 */
export * from "./SmtpMailer.js"

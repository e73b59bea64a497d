/** `batchops create-admin`: the first admin (and any later one made from the server's shell). */
import { runCreateAdmin } from "../CreateAdmin.js"
import { defineCommand } from "./Command.js"

export const createAdminCommand = defineCommand({
  name: "create-admin",
  summary: `\`create-admin\` makes an active admin whose email counts as verified, in the database the
    server uses; it migrates first. Missing flags are asked for when standard input is a terminal
    (the password twice, without echo); otherwise they are a usage error. An email that already
    has an account is refused.`,
  options: {
    email: { type: "string", value: "<email>", required: true },
    password: { type: "string", value: "<password>", required: true },
    username: { type: "string", value: "<name>" },
  },
  // it asks for what is missing, so it reads the flags itself
  run: ({ args }, output) => runCreateAdmin(args, output),
})

#!/usr/bin/env node
// The Messages API stand-in as a process:
//   node tests/fakes/anthropic/server.mjs --script FILE.yaml [--port 0] [--log FILE]
// prints one line {"url":"http://127.0.0.1:PORT"} once listening and exits on SIGTERM or SIGINT.
import { parseArgs } from 'node:util';

import { startFakeAnthropic } from './fake.mjs';

let args;
try {
  ({ values: args } = parseArgs({
    options: { script: { type: 'string' }, port: { type: 'string', default: '0' }, log: { type: 'string' } },
    strict: true,
  }));
} catch (error) {
  process.stderr.write(`${error.message}\nusage: server.mjs --script FILE.yaml [--port 0] [--log FILE]\n`);
  process.exit(2);
}
if (!args.script) {
  process.stderr.write('--script FILE.yaml is required: the conversations to serve (see tests/fakes/anthropic/README.md)\n');
  process.exit(2);
}
const port = Number(args.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`--port ${args.port}: expected an integer from 0 to 65535\n`);
  process.exit(2);
}

let fake;
try {
  fake = await startFakeAnthropic({ script: args.script, port, log: args.log });
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    fake.close().then(() => process.exit(0));
  });
}

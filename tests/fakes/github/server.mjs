#!/usr/bin/env node
// The GitHub REST API stand-in as a process:
//   node tests/fakes/github/server.mjs --config FILE.json [--port 0] [--log FILE]
// FILE.json holds startFakeGitHub's options ({tokens, repos, faults?, rateLimits?}). It prints one line
// {"url":"http://127.0.0.1:PORT"} once listening and exits on SIGTERM or SIGINT. Imported, it only
// re-exports startFakeGitHub.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { startFakeGitHub } from './fake.mjs';

export { startFakeGitHub };

async function main() {
  let args;
  try {
    ({ values: args } = parseArgs({
      options: { config: { type: 'string' }, port: { type: 'string', default: '0' }, log: { type: 'string' } },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`${error.message}\nusage: server.mjs --config FILE.json [--port 0] [--log FILE]\n`);
    process.exit(2);
  }
  if (!args.config) {
    process.stderr.write('--config FILE.json is required: tokens and repositories (see tests/fakes/github/README.md)\n');
    process.exit(2);
  }
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port ${args.port}: expected an integer from 0 to 65535\n`);
    process.exit(2);
  }
  let options;
  try {
    options = JSON.parse(fs.readFileSync(args.config, 'utf8'));
  } catch (error) {
    process.stderr.write(`${args.config}: ${error.message}\n`);
    process.exit(2);
  }
  // Handlers first: a parent may signal as soon as it reads the URL line.
  let fake;
  for (const signal of ['SIGTERM', 'SIGINT']) {
    process.on(signal, () => {
      if (!fake) process.exit(0);
      fake.close().then(() => process.exit(0));
    });
  }
  try {
    fake = await startFakeGitHub({ ...options, port, log: args.log });
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`${JSON.stringify({ url: fake.url })}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

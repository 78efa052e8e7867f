// Reads rendered emails (paths as arguments) and prints, as JSON, what caniemail says each
// client in CLIENTS does not support: {file: [[feature, client], ...]}. No verdict here:
// tests/core/test_email_clients.py compares it with the fallbacks the templates declare.
import { doIUseEmail } from '@jsx-email/doiuse-email';
import { readFileSync } from 'node:fs';

const CLIENTS = ['gmail.*', 'outlook.windows', 'outlook.windows-mail', 'apple-mail.*', 'yahoo.*'];
const UNSUPPORTED = /^`(.+)` is not supported by `([^`]+)`/;

const report = {};
for (const file of process.argv.slice(2)) {
  const result = doIUseEmail(readFileSync(file, 'utf8'), { emailClients: CLIENTS });
  const pairs = new Set();
  for (const error of result.errors ?? []) {
    const found = UNSUPPORTED.exec(error);
    pairs.add(JSON.stringify(found ? [found[1], found[2]] : [error, '?']));
  }
  report[file] = [...pairs].map((pair) => JSON.parse(pair)).sort();
}
process.stdout.write(JSON.stringify(report));

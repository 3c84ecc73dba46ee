/**
 * Prints the scrypt hash of a secret for MQTT_INTEGRATIONS, so the broker's environment never
 * holds a plaintext integration secret.
 *
 *   npx tsx broker/hash-secret.ts            # reads the secret from stdin (not from argv: argv shows in `ps`)
 *   npx tsx broker/hash-secret.ts --new      # makes a random secret, prints it on stderr and its hash on stdout
 *
 * Cost: PASSWORD_COST (scrypt N=2^15, about 100 ms): integration secrets may be chosen by people.
 */
import { createInterface } from 'node:readline';
import { hashSecret, newDeviceSecret, PASSWORD_COST } from '../shared/secrets.ts';

async function readSecret(): Promise<string> {
  const lines = createInterface({ input: process.stdin, terminal: false });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return '';
}

async function main(): Promise<void> {
  const generate = process.argv.includes('--new');
  if (!generate && process.stdin.isTTY) process.stderr.write('secret (one line): ');
  const secret = generate ? newDeviceSecret() : await readSecret();
  if (secret.length < 16) {
    process.stderr.write('refusing a secret shorter than 16 characters\n');
    process.exit(1);
  }
  if (generate) process.stderr.write(`secret (give it to the integration, shown once): ${secret}\n`);
  process.stdout.write(`${await hashSecret(secret, PASSWORD_COST)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err}\n`);
  process.exit(1);
});

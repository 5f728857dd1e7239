// `strata client …` (issue 6 item 8). Every command takes --dir DIR and --json; the passphrase comes
// from STRATA_PASSPHRASE or a prompt on the terminal. Output never contains keys or payload bytes
// other than the user's own delivered messages (recv/watch) and public addresses.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Command, Option } from 'commander';
import { decodeAddress } from './address.js';
import { bytesToUtf8, hexToBytes } from './bytes.js';
import { Client, type ClientOptions, type DeliveredMessage } from './client.js';
import type { Contact } from './contacts.js';
import { ClientError } from './errors.js';
import { fingerprint } from './fingerprint.js';
import { identityId } from './identity.js';
import type { MessageStatus } from './outbox.js';

export const PASSPHRASE_ENV = 'STRATA_PASSPHRASE';
export const CLIENT_DIR_ENV = 'STRATA_CLIENT_DIR';
const DEFAULT_SEND_TIMEOUT_MS = 120_000;

interface CommonOptions {
  dir: string;
  json?: boolean;
}

/** Output sink: JSON lines with --json, human lines otherwise. Injected in tests. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
  passphrase(): Promise<string>;
  /** Resolves when the user asks `watch` to stop (SIGINT/SIGTERM). */
  interrupted(): Promise<void>;
}

async function promptPassphrase(): Promise<string> {
  const fromEnv = process.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!process.stdin.isTTY) throw new ClientError('bad-config', `no passphrase: set ${PASSPHRASE_ENV} or run on a terminal`);
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  // Hide the typed characters: replace readline's echo with nothing.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  process.stderr.write('passphrase: ');
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  passphrase: promptPassphrase,
  interrupted: () =>
    new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    }),
};

function defaultDir(): string {
  return process.env[CLIENT_DIR_ENV] ?? join(homedir(), '.strata', 'client');
}

function common(cmd: Command): Command {
  return cmd
    .addOption(new Option('--dir <dir>', `client data directory (default $${CLIENT_DIR_ENV} or ~/.strata/client)`).default(undefined))
    .option('--json', 'print JSON lines for scripts');
}

function dirOf(o: Partial<CommonOptions>): string {
  return o.dir ?? defaultDir();
}

function statusJson(s: MessageStatus): Record<string, unknown> {
  return { id: s.id, to: s.recipient, state: s.state, failure: s.failure ?? null, bytes: s.length, fragments: s.fragments, sent: s.sent, stored: s.acked };
}

function statusLine(s: MessageStatus): string {
  const progress = s.fragments > 1 ? ` ${s.acked}/${s.fragments} stored, ${s.sent}/${s.fragments} sent` : '';
  return `${s.id} ${s.state}${s.failure ? ` (${s.failure})` : ''}${progress}`;
}

function contactJson(c: Contact): Record<string, unknown> {
  return { id: c.id, name: c.name, trust: c.trust, verified: c.verified, keyChanged: c.keyChange !== undefined, fingerprint: fingerprint(c.keys) };
}

function messageOut(io: CliIo, json: boolean | undefined, m: DeliveredMessage, names: (id: string) => string): void {
  if (json) io.out(JSON.stringify({ event: 'message', from: m.from, name: names(m.from), messageId: m.messageId, receivedAtMs: m.receivedAtMs, text: bytesToUtf8Safe(m.body), bytes: m.body.length }));
  else io.out(`[${new Date(m.receivedAtMs).toISOString()}] ${names(m.from)}: ${bytesToUtf8Safe(m.body) ?? `<${m.body.length} bytes>`}`);
}

function bytesToUtf8Safe(b: Uint8Array): string | null {
  try {
    return bytesToUtf8(b);
  } catch {
    return null;
  }
}

/**
 * The `client` command tree. `options` is merged into every Client the commands open (tests pass
 * cheap scrypt costs or a poll interval).
 */
export function clientCommand(io: CliIo = processIo, options: Partial<Omit<ClientOptions, 'dataDir' | 'passphrase'>> = {}): Command {
  const open = async (o: Partial<CommonOptions>, network: boolean): Promise<Client> =>
    Client.open(dirOf(o), await io.passphrase(), { ...options, network });
  const withClient = async (o: Partial<CommonOptions>, network: boolean, fn: (c: Client) => Promise<void>): Promise<void> => {
    const c = await open(o, network);
    try {
      await fn(c);
    } finally {
      await c.close();
    }
  };
  const withClientPoll = async (o: Partial<CommonOptions>, poll: 'direct' | 'anonymous', fn: (c: Client) => Promise<void>): Promise<void> => {
    const c = await Client.open(dirOf(o), await io.passphrase(), { ...options, network: true, poll });
    try {
      await fn(c);
    } finally {
      await c.close();
    }
  };
  const nameOf = (c: Client) => (id: string) => c.contacts.get(id)?.name ?? id;

  const root = new Command('client').description('a Strata messaging client: addresses, contacts, sending and receiving through the mixnet');

  root.addCommand(
    common(new Command('init'))
      .description('create the encrypted store, read the provider\'s signed /.well-known/strata and register with it')
      .requiredOption('--provider <url>', 'the provider\'s client API URL (https://host:port)')
      .option('--provider-id <hex>', 'expected provider node id (64 hex digits), e.g. from an address')
      .action(async (o: CommonOptions & { provider: string; providerId?: string }) => {
        const client = await Client.bootstrap(o.provider, {
          ...options,
          dataDir: dirOf(o),
          passphrase: await io.passphrase(),
          network: false,
          ...(o.providerId ? { providerNodeId: hexToBytes(o.providerId) } : {}),
        });
        try {
          const aliases = await client.registerAliases();
          let consensus: number | null = null;
          try {
            consensus = (await client.refreshConsensus()).consensus.epoch;
          } catch (err) {
            io.err(`warning: no verified consensus yet (${(err as Error).message}); sending starts once the network publishes one`);
          }
          if (o.json) io.out(JSON.stringify({ address: client.address, provider: client.providerName, aliasesRegistered: aliases, consensusEpoch: consensus }));
          else io.out(client.address);
        } finally {
          await client.close();
        }
      }),
  );

  root.addCommand(
    common(new Command('address'))
      .description("print this client's shareable address")
      .action(async (o: CommonOptions) =>
        withClient(o, false, async (c) => {
          io.out(o.json ? JSON.stringify({ address: c.address, fingerprint: fingerprint(c.identity) }) : c.address);
        }),
      ),
  );

  const contacts = new Command('contacts').description('the contact book (the allow list)');
  contacts.addCommand(
    common(new Command('add'))
      .description('add a contact by address')
      .argument('<address>', 'the contact\'s strata1… address')
      .option('--name <name>', 'a local name for the contact')
      .action(async (address: string, o: CommonOptions & { name?: string }) =>
        withClient(o, false, async (c) => {
          const decoded = decodeAddress(address);
          const contact = await c.contacts.add(address, o.name ?? `contact-${identityId(decoded).slice(0, 8)}`);
          // The sender's earlier contact requests (if any) are now from a contact.
          await c.contacts.takeRequests(decoded.ed25519PublicKey);
          io.out(o.json ? JSON.stringify(contactJson(contact)) : `${contact.id} ${contact.name} (unverified: compare the safety number with \`contacts verify ${contact.id}\`)`);
        }),
      ),
  );
  contacts.addCommand(
    common(new Command('list'))
      .description('list contacts with their trust state')
      .action(async (o: CommonOptions) =>
        withClient(o, false, async (c) => {
          for (const contact of c.contacts.list()) {
            if (o.json) io.out(JSON.stringify(contactJson(contact)));
            else io.out(`${contact.id} ${contact.name} ${contact.trust}${contact.keyChange ? ' KEY CHANGED' : ''}`);
          }
          if (!o.json && c.contacts.listRequests().length > 0) io.out(`${c.contacts.listRequests().length} message request(s) from unknown senders`);
        }),
      ),
  );
  contacts.addCommand(
    common(new Command('verify'))
      .description('show the safety number of a contact, or mark it verified when DIGITS match')
      .argument('<id>', 'contact id (from contacts list)')
      .argument('[digits]', 'the safety number the contact read to you')
      .action(async (id: string, digits: string | undefined, o: CommonOptions) =>
        withClient(o, false, async (c) => {
          if (!c.contacts.get(id)) throw new ClientError('unknown-contact', 'no such contact');
          const safety = c.contacts.safetyNumber(id);
          if (digits === undefined) {
            io.out(o.json ? JSON.stringify({ id, safetyNumber: safety }) : safety);
            return;
          }
          const ok = await c.contacts.verify(id, digits);
          io.out(o.json ? JSON.stringify({ id, verified: ok }) : ok ? 'verified' : 'MISMATCH: the safety numbers differ');
          if (!ok) process.exitCode = 2;
        }),
      ),
  );
  root.addCommand(contacts);

  root.addCommand(
    common(new Command('send'))
      .description('send TEXT (or --file PATH) to a contact; waits until the recipient\'s provider stores it')
      .requiredOption('--to <address-or-id>', 'a contact id or address (an unknown address is added as a contact)')
      .option('--file <path>', 'send the bytes of this file')
      .option('--timeout <ms>', 'give up waiting after this long (the message stays in the outbox)', String(DEFAULT_SEND_TIMEOUT_MS))
      .option('--no-wait', 'return once the message is queued')
      .argument('[text...]', 'the message text')
      .action(async (text: string[], o: CommonOptions & { to: string; file?: string; timeout: string; wait: boolean }) =>
        withClient(o, true, async (c) => {
          let contact = c.contacts.get(o.to);
          if (!contact && o.to.startsWith('strata1')) {
            const decoded = decodeAddress(o.to);
            contact = c.contacts.get(identityId(decoded)) ?? (await c.contacts.add(o.to, `contact-${identityId(decoded).slice(0, 8)}`));
          }
          if (!contact) throw new ClientError('unknown-contact', 'no such contact (give an id from `contacts list` or an address)');
          if (o.file === undefined && text.length === 0) throw new ClientError('bad-config', 'nothing to send: give TEXT or --file PATH');
          const body = o.file !== undefined ? new Uint8Array(await readFile(o.file)) : text.join(' ');
          const id = await c.send(contact.id, body);
          const timeoutMs = Number(o.timeout);
          let final = c.status(id)!;
          if (o.wait) {
            final = await new Promise<MessageStatus>((resolve) => {
              const done = (s: MessageStatus): void => {
                if (s.id !== id || (s.state !== 'stored' && s.state !== 'failed')) return;
                clearTimeout(timer);
                c.off('status', done);
                resolve(s);
              };
              const timer = setTimeout(() => {
                c.off('status', done);
                resolve(c.status(id)!);
              }, Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : DEFAULT_SEND_TIMEOUT_MS);
              c.on('status', done);
              done(c.status(id)!);
            });
          }
          io.out(o.json ? JSON.stringify(statusJson(final)) : statusLine(final));
          if (final.state === 'failed') process.exitCode = 1;
        }),
      ),
  );

  root.addCommand(
    common(new Command('recv'))
      .description('poll the provider once, print the messages delivered since the last recv, and exit')
      .action(async (o: CommonOptions) =>
        withClient(o, true, async (c) => {
          await c.pollOnce();
          for (const m of await c.history({ unreadOnly: true, markRead: true })) messageOut(io, o.json, m, nameOf(c));
          const requests = c.contacts.listRequests().length;
          if (requests > 0) {
            if (o.json) io.out(JSON.stringify({ event: 'requests', count: requests }));
            else io.err(`${requests} message request(s) from unknown senders (add them as contacts to read)`);
          }
        }),
      ),
  );

  root.addCommand(
    common(new Command('watch'))
      .description('stay connected: print messages as they arrive and the delivery state of sends (Ctrl-C to stop)')
      .option('--anonymous-poll', 'poll contact aliases through the mixnet instead of directly (docs/spec/client.md §11.3)')
      .action(async (o: CommonOptions & { anonymousPoll?: boolean }) =>
        withClientPoll(o, o.anonymousPoll ? 'anonymous' : 'direct', async (c) => {
          for (const m of await c.history({ unreadOnly: true, markRead: true })) messageOut(io, o.json, m, nameOf(c));
          c.on('message', (m) => {
            messageOut(io, o.json, m, nameOf(c));
            void c.history({ unreadOnly: true, markRead: true }).catch(() => undefined);
          });
          c.on('status', (s) => io.out(o.json ? JSON.stringify({ event: 'status', ...statusJson(s) }) : statusLine(s)));
          c.on('request', () => io.out(o.json ? JSON.stringify({ event: 'request' }) : 'a message request from an unknown sender arrived'));
          c.on('warning', (e) => io.err(o.json ? JSON.stringify({ event: 'warning', error: e.name, message: e.message }) : `warning: ${e.message}`));
          if (!o.json) io.err(`connected to ${c.providerName}; Ctrl-C to stop`);
          await io.interrupted();
        }),
      ),
  );

  root.addCommand(
    common(new Command('link-code'))
      .description('make a one-time code that links a new device to this account (the code is a secret: it gives the account keys)')
      .option('--timeout <ms>', 'how long to wait for the link bundle to leave', '120000')
      .action(async (o: CommonOptions & { timeout: string }) =>
        withClient(o, true, async (c) => {
          const code = await c.createLinkCode();
          const end = Date.now() + Number(o.timeout);
          // The bundle leaves on λP ticks: stay until every chunk is on the link.
          while (c.pendingLinkChunks > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
          if (c.pendingLinkChunks > 0) throw new ClientError('link-timeout', 'the link bundle did not leave in time');
          io.out(o.json ? JSON.stringify({ code }) : code);
        }),
      ),
  );

  root.addCommand(
    common(new Command('link'))
      .description('join an account from another device with its one-time link code (into a new --dir)')
      .requiredOption('--provider <url>', "the account's provider client API URL")
      .requiredOption('--code <code>', 'the strata-link1-… code from `strata client link-code`')
      .option('--timeout <ms>', 'how long to wait for the bundle', '120000')
      .action(async (o: CommonOptions & { provider: string; code: string; timeout: string }) => {
        const client = await Client.link(o.provider, o.code, { ...options, dataDir: dirOf(o), passphrase: await io.passphrase(), linkTimeoutMs: Number(o.timeout) });
        try {
          if (o.json) io.out(JSON.stringify({ address: client.address, contacts: client.contacts.list().length }));
          else io.out(client.address);
        } finally {
          await client.close();
        }
      }),
  );

  root.addCommand(
    common(new Command('status'))
      .description('the delivery state of a sent message: queued → sent → stored, or failed')
      .argument('<id>', 'message id printed by send')
      .action(async (id: string, o: CommonOptions) =>
        withClient(o, false, async (c) => {
          const s = c.status(id);
          if (!s) throw new ClientError('unknown-message', 'no such message in the outbox');
          io.out(o.json ? JSON.stringify(statusJson(s)) : statusLine(s));
        }),
      ),
  );

  return root;
}

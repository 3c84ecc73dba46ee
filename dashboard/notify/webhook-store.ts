/**
 * Webhook subscriptions (issue 3 "Delivery"), kept in `${DATA_DIR}/webhooks.json` (mode 0600: it
 * holds the signing secrets). The API never returns a secret after it was given.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { severitySchema } from '../../shared/alarms.ts';
import { siteIdSchema } from '../../shared/registry-schemas.ts';
import { notFound } from '../http-errors.ts';
import { coalescedWriter, readJsonFile, writeJsonFile } from '../json-file.ts';

export const WEBHOOK_FORMATS = ['json', 'text'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** Body of `POST /api/webhooks`. */
export const webhookInputSchema = z
  .object({
    url: z
      .string()
      .url()
      .max(2000)
      .refine((u) => /^https?:\/\//i.test(u), 'must be an http or https URL'),
    /** HMAC-SHA256 key of X-Jagajarak-Signature; shared with the receiver, never shown again. */
    secret: z.string().min(16, 'must be at least 16 characters').max(256),
    /** Only alarms of these sites; absent means every site. */
    sites: z.array(siteIdSchema).min(1).max(10_000).optional(),
    minSeverity: severitySchema.default('warning'),
    /** `json` (default) or `text`: a short Bahasa Indonesia message for a WhatsApp or SMS gateway. */
    format: z.enum(WEBHOOK_FORMATS).default('json'),
    name: z.string().trim().min(1).max(120).optional(),
  })
  .strict();
export type WebhookInput = z.infer<typeof webhookInputSchema>;

export const webhookSchema = webhookInputSchema.safeExtend({
  id: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type Webhook = z.infer<typeof webhookSchema>;
export type PublicWebhook = Omit<Webhook, 'secret'>;

const webhooksFileSchema = z.object({ version: z.literal(1), webhooks: z.array(webhookSchema) });

export function publicWebhook(webhook: Webhook): PublicWebhook {
  const { secret: _omitted, ...rest } = webhook;
  return rest;
}

/**
 * @example
 * const webhooks = new WebhookStore('./data');
 * await webhooks.load();
 * const hook = await webhooks.create({ url, secret, minSeverity: 'critical', format: 'text' }, 'admin', now);
 */
export class WebhookStore {
  readonly path: string;
  private readonly hooks = new Map<string, Webhook>();
  private readonly save = coalescedWriter(() =>
    writeJsonFile(this.path, { version: 1, webhooks: [...this.hooks.values()] }),
  );

  constructor(dataDir: string) {
    this.path = join(dataDir, 'webhooks.json');
  }

  async load(): Promise<void> {
    const file = await readJsonFile(this.path, webhooksFileSchema, 'Webhooks');
    this.hooks.clear();
    for (const hook of file?.webhooks ?? []) this.hooks.set(hook.id, hook);
  }

  list(): Webhook[] {
    return [...this.hooks.values()].sort(
      (a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id),
    );
  }

  get(id: string): Webhook | undefined {
    return this.hooks.get(id);
  }

  async create(input: WebhookInput, by: string, now: number): Promise<Webhook> {
    const hook: Webhook = {
      ...input,
      id: `wh_${randomBytes(6).toString('hex')}`,
      createdAt: new Date(now).toISOString(),
      createdBy: by,
    };
    this.hooks.set(hook.id, hook);
    try {
      await this.save();
    } catch (err) {
      this.hooks.delete(hook.id);
      throw err;
    }
    return hook;
  }

  /** @throws HttpError 404 for an unknown id. */
  async remove(id: string): Promise<void> {
    const hook = this.hooks.get(id);
    if (!hook) throw notFound(`webhook '${id}' not found`);
    this.hooks.delete(id);
    try {
      await this.save();
    } catch (err) {
      this.hooks.set(id, hook);
      throw err;
    }
  }
}

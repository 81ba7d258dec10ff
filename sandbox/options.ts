import { z } from 'zod';
import { SCALES } from './data/scales';
import { faultSettingsSchema } from './faults';

export const DEFAULT_EPOCH = '2026-11-01T00:00:00Z';

export const sandboxOptionsSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(0),
    host: z.string().default('127.0.0.1'),
    seed: z.number().int().default(1),
    scale: z.enum(SCALES).default('tiny'),
    /** The clock's starting value; generated history lies before it. */
    epoch: z.iso.datetime({ offset: true }).default(DEFAULT_EPOCH),
    tokenLifetimeSeconds: z.number().int().min(1).default(7200),
    /** How long a rotated refresh token keeps working. */
    refreshGraceSeconds: z.number().int().min(0).default(60),
    rateLimitPerHour: z.number().int().min(1).default(1000),
    rateWindowSeconds: z.number().int().min(1).default(3600),
    /** Send X-RateLimit-Limit/-Resource/-NearLimit on /2.0/repositories/* answers, as Bitbucket does
     * for access-token traffic (OAuth consumers get none: off). */
    rateLimitHeaders: z.boolean().default(false),
    /** Registered callback URLs of the OAuth consumer (a redirect_uri must start with one). */
    redirectUris: z.array(z.url()).default(['http://localhost', 'http://127.0.0.1']),
    scopes: z.array(z.string()).optional(),
    faults: faultSettingsSchema.partial().default({}),
    /** Display names for repositories, by slug (in every workspace); default: the slug. Lets tests
     * give a repository a hostile name, e.g. <script>…, to check that it is shown as text. */
    repositoryNames: z.record(z.string(), z.string()).default({}),
    // Repositories kept simulated in memory; others are regenerated on demand (memory stays flat).
    cachedRepositories: z.number().int().min(1).default(8),
  })
  .strict();

export type SandboxOptions = z.input<typeof sandboxOptionsSchema>;
export type ResolvedSandboxOptions = z.output<typeof sandboxOptionsSchema>;

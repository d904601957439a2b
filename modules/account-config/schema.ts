import { z } from 'zod';
import { backendSchema, NAME_PREFIX_PATTERN } from '../environment-config/schema';

/** GitHub user and organization names: letters, digits and single hyphens, at most 39 characters. */
export const GITHUB_OWNER_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** GitHub repository names: letters, digits, `.`, `_` and `-`, at most 100 characters. */
export const GITHUB_REPOSITORY_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
/**
 * A customer managed policy ARN. AWS managed policies (`arn:aws:iam::aws:policy/...`) are refused:
 * AdministratorAccess or PowerUserAccess would let one environment's apply role change another
 * environment's resources (rule CI3 refuses them on the synthesized stack as well).
 */
export const POLICY_ARN_PATTERN = /^arn:aws:iam::\d{12}:policy\/[\w+=,.@/-]+$/;

export const accountConfigSchema = z.strictObject({
  /** Region of the state bucket and of the account stack's provider. */
  region: z.string(),
  /** Prefix of the physical names: `<namePrefix>-github-plan`, `<namePrefix>-github-apply-<env>`. */
  namePrefix: z.string().regex(NAME_PREFIX_PATTERN, `must match ${NAME_PREFIX_PATTERN.source}`),
  /** The one repository whose workflows may assume the roles; no wildcard is possible. */
  github: z.strictObject({
    owner: z.string().regex(GITHUB_OWNER_PATTERN, 'must be a GitHub user or organization name (letters, digits, single hyphens; no wildcard)'),
    repository: z.string().regex(GITHUB_REPOSITORY_PATTERN, 'must be a GitHub repository name (letters, digits, ".", "_", "-"; no wildcard)'),
  }),
  /** The S3 bucket holding the Terraform state of the environments below; this stack creates it. */
  stateBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  /** The environment folders CI deploys into this account; each gets its own apply role. */
  environments: z.array(z.string()).min(1, 'must list at least one environment folder'),
  /**
   * Opt-in escape hatch: customer managed policies attached to every apply role on top of its
   * environment-scoped inline policy. A broad one defeats the isolation between environments
   * (the loader warns). @default - none
   */
  applyPolicyArns: z
    .array(
      z
        .string()
        .regex(POLICY_ARN_PATTERN, 'must be a customer managed policy ARN (arn:aws:iam::<account>:policy/<name>); AWS managed policies such as AdministratorAccess are refused because they defeat the isolation between environments'),
    )
    .default([]),
  /** Where this stack's own state lives. @default - local, terraform.account-<name>.tfstate */
  backend: backendSchema.optional(),
});

/** The parsed, defaulted content of `accounts/<name>/config.json`. */
export type AccountConfig = z.infer<typeof accountConfigSchema>;

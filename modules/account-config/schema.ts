import { z } from 'zod';
import { backendSchema, NAME_PREFIX_PATTERN } from '../environment-config/schema';

/** GitHub user and organization names: letters, digits and single hyphens, at most 39 characters. */
export const GITHUB_OWNER_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
/** GitHub repository names: letters, digits, `.`, `_` and `-`, at most 100 characters. */
export const GITHUB_REPOSITORY_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;
/** An IAM managed policy ARN (AWS managed or customer managed). */
export const POLICY_ARN_PATTERN = /^arn:aws:iam::(aws|\d{12}):policy\/[\w+=,.@/-]+$/;

/** What apply roles get when the account config names no policy: everything the stacks create. */
export const DEFAULT_APPLY_POLICY_ARNS: readonly string[] = ['arn:aws:iam::aws:policy/AdministratorAccess'];

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
  /** Managed policies of every apply role. @default AdministratorAccess */
  applyPolicyArns: z.array(z.string().regex(POLICY_ARN_PATTERN, 'must be an IAM managed policy ARN')).min(1).default([...DEFAULT_APPLY_POLICY_ARNS]),
  /** Where this stack's own state lives. @default - local, terraform.account-<name>.tfstate */
  backend: backendSchema.optional(),
});

/** The parsed, defaulted content of `accounts/<name>/config.json`. */
export type AccountConfig = z.infer<typeof accountConfigSchema>;

import type { QuotaSettings } from '../quota-budget/quota-budget';
import { StackJson } from './stack-json';

/** `error` fails synth; `warning` is shown to a reviewer and can be acknowledged with a reason. */
export type RuleLevel = 'error' | 'warning';

/** A deliberate exception from `environments/<env>/config.json`: `{ "rule": "UP4", "reason": "..." }`. */
export interface Acknowledgement {
  /** The id of a warning-level rule. */
  readonly rule: string;
  /** Why the warning is accepted in this environment. */
  readonly reason: string;
}

/** What a rule needs to know beyond the stack JSON itself. */
export interface RuleContext {
  /** The environment, which is also the stack name (`cdktf.out/stacks/<environment>`). */
  readonly environment: string;
  /** Protected environments (prod) must keep their data: deletion protection, `prevent_destroy`, 30-day key window. */
  readonly protected: boolean;
  /** The principal tag key that carries the tenant; the user pool attribute is `custom:<tenantAttribute>`. */
  readonly tenantAttribute: string;
  /** Warnings accepted in this environment. Only warning-level rules can be acknowledged. @default - none */
  readonly acknowledgements?: readonly Acknowledgement[];
  /** IAM roles allowed in the account (IAM8); the same as `quotas.iamRolesPerAccount`, which wins. @default 1000, the IAM default quota */
  readonly roleQuota?: number;
  /** The environment's quotas (`quotas` in its config) for the quota budget (IAM8, IDP8, QUOTA1). @default - the AWS defaults */
  readonly quotas?: QuotaSettings | undefined;
  /**
   * Self sign-up into a tenant is on (`selfSignUpMode` "into-tenant"): the post confirmation
   * trigger writes the tenant attribute, so the pool declares it mutable (UP2). False for sign-up
   * without a tenant ("tenantless"), which writes no attribute. @default false
   */
  readonly selfSignUp?: boolean;
  /** A user pool created before the tenant-claim trigger keeps its mutable tenant attribute (UP2). @default false */
  readonly legacyMutableTenantAttribute?: boolean;
  /**
   * The environment serves users without a tenant (`tenantlessUsers`): IAM4 then requires the
   * absent-tag Denies to cover every grant that names the tenant, not every grant. @default false
   */
  readonly tenantlessUsers?: boolean;
  /** Whether a guest (unauthenticated) role is deliberately configured (IDP1). @default false */
  readonly allowGuestAccess?: boolean;
  /**
   * The rules for this stack, when it is not an upload-platform stack (a CI access stack runs
   * CI_ACCESS_RULES). @default - the rules passed to runRules / synthesizeChecked, else ALL_RULES
   */
  readonly rules?: readonly SecurityRule[];
}

/** One non-compliant resource. */
export interface Finding {
  /** Terraform address of the resource, e.g. `aws_s3_bucket.UploadBucket_E75E61AC`, or `terraform.backend.s3`. */
  readonly address: string;
  /** A concrete fix, naming the offending value. */
  readonly fix: string;
}

/** A security rule: a pure function over one synthesized stack (after cdk-nag). */
export interface SecurityRule {
  /** Stable id, as in the catalogue (`modules/security-rules/README.md`): `IDP1`, `S3-4`. */
  readonly id: string;
  readonly level: RuleLevel;
  /** One line: what must hold. */
  readonly description: string;
  /** Why it must hold. */
  readonly reason: string;
  /** The AWS (or Terraform) documentation page the rule comes from. */
  readonly docUrl: string;
  /** How to comply, in general (each finding also names its own fix). Shown in the catalogue. @default - none */
  readonly fix?: string | undefined;
  /** Returns one finding per non-compliant resource; an empty list when the stack complies. */
  check(stack: StackJson, ctx: RuleContext): Finding[];
}

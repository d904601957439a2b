import * as fs from 'node:fs';
import * as path from 'node:path';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { Construct } from 'constructs';
import { CognitoTrigger, CognitoTriggerProps, validateCognitoTriggerProps } from '../cognito-trigger';
import { AccountLinkingConfig, LINKABLE_SOCIAL_PROVIDERS, LinkableSocialProvider, LINKING_CONFIG_VERSION } from './link-decision';

/**
 * The handler this construct ships, as TypeScript source; it reads `linking.json` from its own
 * folder. From the compiled package (`dist/modules/account-linking/`), the shipped sources beside
 * `dist/` are bundled, so the package and its hash are the same from source or compiled.
 */
export const ACCOUNT_LINKING_HANDLER_FILE = handlerSource(__dirname, 'handler.ts');

function handlerSource(dir: string, file: string): string {
  const candidates = [
    path.join(dir, file),
    path.resolve(dir, '..', '..', '..', 'modules', 'account-linking', file),
    path.resolve(dir, '..', 'modules', 'account-linking', file),
  ];
  return candidates.find((candidate) => fs.existsSync(candidate)) ?? candidates[0]!;
}

/** The data file the handler reads. */
export const LINKING_CONFIG_FILE_NAME = 'linking.json';

/**
 * The only calls the handler makes, on its own pool: find users by e-mail, link an identity.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncognitouserpools.html
 */
export const ACCOUNT_LINKING_ACTIONS: readonly string[] = ['cognito-idp:AdminLinkProviderForUser', 'cognito-idp:ListUsers'];

export interface AccountLinkingTriggerProps {
  /** Physical name of the function (and its role), 1–64 letters, digits, hyphens and underscores. */
  readonly functionName: string;
  /** The tenant attribute as a claim, `custom:<tenantAttribute>` (the user pool's `tenantClaim`): users holding one are never linked. */
  readonly tenantClaim: string;
  /** The social providers of the pool (`Google`, `SignInWithApple`) whose identities may be linked. */
  readonly socialProviders: readonly LinkableSocialProvider[];
  /** Days CloudWatch keeps the decisions log. @default 365 */
  readonly logRetentionDays?: number | undefined;
}

/** Every problem with the linking input, one line each. */
export function accountLinkingProblems(props: Pick<AccountLinkingTriggerProps, 'tenantClaim' | 'socialProviders'>): string[] {
  const problems: string[] = [];
  if (!/^custom:[A-Za-z][A-Za-z0-9_]{0,19}$/.test(props.tenantClaim)) {
    problems.push(`tenantClaim must be custom:<attribute> (received ${JSON.stringify(props.tenantClaim)}): pass the user pool's tenantClaim.`);
  }
  if (props.socialProviders.length === 0) problems.push(`socialProviders must name at least one of ${LINKABLE_SOCIAL_PROVIDERS.join(', ')}: without one there is nothing to link.`);
  for (const provider of props.socialProviders) {
    if (!(LINKABLE_SOCIAL_PROVIDERS as readonly string[]).includes(provider)) {
      problems.push(`socialProviders has ${JSON.stringify(provider)}; only ${LINKABLE_SOCIAL_PROVIDERS.join(', ')} are linked (a SAML provider belongs to a tenant and is never linked).`);
    }
  }
  return problems;
}

/** The contents of `linking.json`: sorted, so the package changes only when the input does. */
export function accountLinkingConfig(props: Pick<AccountLinkingTriggerProps, 'tenantClaim' | 'socialProviders'>): AccountLinkingConfig {
  const problems = accountLinkingProblems(props);
  if (problems.length > 0) throw new Error(`accountLinkingConfig:\n  - ${problems.join('\n  - ')}`);
  return { version: LINKING_CONFIG_VERSION, tenantClaim: props.tenantClaim, socialProviders: [...new Set(props.socialProviders)].sort() };
}

/**
 * The pre sign-up trigger that keeps one person one user: a Google or Apple identity whose
 * verified e-mail belongs to exactly one tenant-less native user with a verified e-mail is linked
 * to that user (AdminLinkProviderForUser); a native self sign-up with the e-mail of a social user
 * is refused. Built on `CognitoTrigger` with `userPoolActions` = ListUsers and
 * AdminLinkProviderForUser on the invoking pool only. Wire `functionArn` into the user pool's
 * `lambda_config.pre_sign_up` and call `allowInvocationBy` with the pool's ARN.
 */
export class AccountLinkingTrigger extends Construct {
  /** ARN of the function, for the user pool's `pre_sign_up`. */
  public readonly functionArn: string;
  /** The config packaged as `linking.json`. */
  public readonly config: AccountLinkingConfig;
  /** The generic trigger underneath: role, log group, function, asset. */
  public readonly trigger: CognitoTrigger;

  constructor(scope: Construct, id: string, props: AccountLinkingTriggerProps) {
    super(scope, id);
    const triggerProps: CognitoTriggerProps = {
      functionName: props.functionName,
      description: 'Links a Google or Apple identity to the native user with the same verified e-mail (pre sign-up).',
      handlerFile: ACCOUNT_LINKING_HANDLER_FILE,
      dataFiles: { [LINKING_CONFIG_FILE_NAME]: '' },
      logRetentionDays: props.logRetentionDays,
      userPoolActions: ACCOUNT_LINKING_ACTIONS,
    };
    const problems = [...accountLinkingProblems(props), ...validateCognitoTriggerProps(triggerProps)];
    if (problems.length > 0) throw new Error(`AccountLinkingTrigger ${this.node.path}:\n  - ${problems.join('\n  - ')}`);
    this.config = accountLinkingConfig(props);
    this.trigger = new CognitoTrigger(this, 'Trigger', { ...triggerProps, dataFiles: { [LINKING_CONFIG_FILE_NAME]: JSON.stringify(this.config) } });
    this.functionArn = this.trigger.functionArn;
  }

  /** Lets the user pool invoke the trigger, and grants the two admin actions on that pool only. */
  public allowInvocationBy(userPoolArn: string): LambdaPermission {
    return this.trigger.allowInvocationBy(userPoolArn);
  }
}

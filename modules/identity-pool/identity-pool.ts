import { CognitoIdentityPool } from '@cdktf/provider-aws/lib/cognito-identity-pool';
import { CognitoIdentityPoolProviderPrincipalTag } from '@cdktf/provider-aws/lib/cognito-identity-pool-provider-principal-tag';
import { CognitoIdentityPoolRolesAttachment } from '@cdktf/provider-aws/lib/cognito-identity-pool-roles-attachment';
import { Token } from 'cdktf';
import { Construct } from 'constructs';

/**
 * Cognito limits on attributes for access control: at most 50 tags, keys up to 128 characters,
 * claim names up to 256, and all mapped claim names together up to 460 bytes.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/attributes-for-access-control.html
 */
export const PRINCIPAL_TAG_LIMITS = { maxTags: 50, maxKeyLength: 128, maxClaimLength: 256, maxTotalClaimBytes: 460 } as const;

export interface IdentityPoolProps {
  /** Physical name of the identity pool (letters, digits, spaces and `+=,.@-_`, ≤ 128). */
  readonly identityPoolName: string;
  /** Region of the user pool, to build its provider name. */
  readonly region: string;
  /** The user pool whose ID tokens are exchanged. */
  readonly userPoolId: string;
  /** App clients of that user pool allowed to exchange tokens. */
  readonly clientIds: readonly string[];
  /**
   * Session tags copied from ID-token claims: `{ customerName: 'custom:customerName' }`. The ID
   * token carries user attributes; the access token does not.
   */
  readonly principalTags: Readonly<Record<string, string>>;
  /**
   * `prevent_destroy`: a new identity pool gives every user a new identity id, orphaning every
   * `private/<identity id>/` folder.
   * @default false
   */
  readonly protected?: boolean;
}

/**
 * An identity pool that only hands out credentials to authenticated users of one user pool, over
 * the enhanced flow, with tokens checked server-side and claims copied into session tags.
 */
export class IdentityPool extends Construct {
  public readonly identityPoolId: string;
  /** `cognito-idp.<region>.amazonaws.com/<userPoolId>`. */
  public readonly providerName: string;
  /** The underlying identity pool, for overrides. */
  public readonly identityPool: CognitoIdentityPool;
  private rolesAttachment?: CognitoIdentityPoolRolesAttachment;

  constructor(scope: Construct, id: string, props: IdentityPoolProps) {
    super(scope, id);
    const problems = validatePrincipalTags(props.principalTags);
    if (!Token.isUnresolved(props.identityPoolName) && !/^[\w\s+=,.@-]{1,128}$/.test(props.identityPoolName)) {
      problems.push(`identityPoolName must be 1–128 letters, digits, spaces or +=,.@-_ (received ${JSON.stringify(props.identityPoolName)}).`);
    }
    if (props.clientIds.length === 0) problems.push('clientIds must list at least one app client.');
    if (problems.length > 0) throw new Error(`IdentityPool ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    this.providerName = `cognito-idp.${props.region}.amazonaws.com/${props.userPoolId}`;
    this.identityPool = new CognitoIdentityPool(this, 'IdentityPool', {
      identityPoolName: props.identityPoolName,
      // Security Hub Cognito.2; and the basic (classic) flow would let a client assume any role
      // that trusts the pool. https://docs.aws.amazon.com/cognito/latest/developerguide/authentication-flow.html
      allowUnauthenticatedIdentities: false,
      allowClassicFlow: false,
      cognitoIdentityProviders: props.clientIds.map((clientId) => ({
        providerName: this.providerName,
        clientId,
        // Rejects tokens of users who were signed out globally or deleted.
        serverSideTokenCheck: true,
      })),
      ...(props.protected ? { lifecycle: { preventDestroy: true } } : {}),
    });
    this.identityPoolId = this.identityPool.id;

    new CognitoIdentityPoolProviderPrincipalTag(this, 'PrincipalTags', {
      identityPoolId: this.identityPool.id,
      identityProviderName: this.providerName,
      // The defaults map only aud and sub; we want exactly our claims.
      useDefaults: false,
      principalTags: { ...props.principalTags },
    });
  }

  /**
   * Attaches the role authenticated identities receive. There is no unauthenticated role.
   *
   * With `roleFromTokenClientIds`, each of those app clients also gets a role mapping of type
   * `Token`: the pool hands a user the role of their user-pool group (`cognito:preferred_role`, the
   * group with the lowest precedence). A token with several roles and no preferred one is refused
   * (`ambiguous_role_resolution = "Deny"`), never silently given the default role; so is, per the
   * console ("If no roles are specified in the token, the role resolution will be invoked"), a token
   * with no role at all: put every user in a group with a role. The mapping is keyed per app client:
   * `cognito-idp.<region>.amazonaws.com/<userPoolId>:<clientId>`.
   * https://docs.aws.amazon.com/cognito/latest/developerguide/role-based-access-control.html
   * https://docs.aws.amazon.com/cognitoidentity/latest/APIReference/API_RoleMapping.html
   */
  public attachAuthenticatedRole(roleArn: string, options: { readonly roleFromTokenClientIds?: readonly string[] } = {}): CognitoIdentityPoolRolesAttachment {
    if (this.rolesAttachment) throw new Error(`IdentityPool ${this.node.path}: a role is attached already.`);
    const clients = options.roleFromTokenClientIds ?? [];
    this.rolesAttachment = new CognitoIdentityPoolRolesAttachment(this, 'Roles', {
      identityPoolId: this.identityPool.id,
      roles: { authenticated: roleArn },
      ...(clients.length === 0
        ? {}
        : {
            roleMapping: clients.map((clientId) => ({
              identityProvider: `${this.providerName}:${clientId}`,
              type: 'Token',
              ambiguousRoleResolution: 'Deny',
            })),
          }),
    });
    return this.rolesAttachment;
  }
}

/** Problems with a principal-tag mapping against Cognito's limits; empty when it fits. */
export function validatePrincipalTags(tags: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const entries = Object.entries(tags);
  const l = PRINCIPAL_TAG_LIMITS;
  if (entries.length === 0) problems.push('principalTags must map at least one claim.');
  if (entries.length > l.maxTags) problems.push(`principalTags maps ${entries.length} tags; Cognito allows ${l.maxTags}.`);
  let totalBytes = 0;
  for (const [key, claim] of entries) {
    if (key.length === 0 || key.length > l.maxKeyLength) problems.push(`principalTags key ${JSON.stringify(key)} must be 1–${l.maxKeyLength} characters.`);
    if (claim.length === 0 || claim.length > l.maxClaimLength) problems.push(`principalTags[${JSON.stringify(key)}] claim must be 1–${l.maxClaimLength} characters.`);
    // Stryker disable next-line StringLiteral: Buffer.byteLength counts UTF-8 when the encoding is empty, too.
    totalBytes += Buffer.byteLength(claim, 'utf8');
  }
  if (totalBytes > l.maxTotalClaimBytes) problems.push(`principalTags claim names total ${totalBytes} bytes; Cognito allows ${l.maxTotalClaimBytes}.`);
  return problems;
}

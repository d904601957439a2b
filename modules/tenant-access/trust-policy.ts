import { policyDocument, PolicyDocument, PolicyStatement } from '../iam-policy';
import { malformedTenantTagPatterns } from './tenant-id';

/** The principal Cognito identity pools federate through. */
export const COGNITO_IDENTITY_PRINCIPAL = 'cognito-identity.amazonaws.com';

export interface EndUserTrustOptions {
  /** The identity pool whose authenticated identities may assume the role (a reference). */
  readonly identityPoolId: string;
  /** The session tag that carries the tenant. */
  readonly tenantTagKey: string;
  /** Tag values that name a fixed folder of the access rules (`reservedTenantIds`). */
  readonly reservedTenantIds: readonly string[];
  /**
   * Role per tenant: the only tenant tag value the identity pool may set on a session of this role.
   * @default - any well-formed value (the shared role)
   */
  readonly tenantId?: string;
}

/**
 * The trust policy of every role end users receive from the identity pool (the authenticated role,
 * tier roles, tenant roles): one implementation, so every such role passes IDP4, IDP5 and IDP11 alike.
 *
 * Confused-deputy protection: only tokens issued for this identity pool (aud), and only for
 * authenticated identities (amr). sts:TagSession lets the pool attach the principal tags.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/iam-roles.html#trust-policies
 * https://docs.aws.amazon.com/cognito/latest/developerguide/attributes-for-access-control.html
 */
export function endUserTrustPolicy(options: EndUserTrustOptions): PolicyDocument {
  const cognito = { Federated: COGNITO_IDENTITY_PRINCIPAL };
  const requestTag = `aws:RequestTag/${options.tenantTagKey}`;
  const reserved = options.reservedTenantIds;
  const statements: PolicyStatement[] = [
    {
      Sid: 'AuthenticatedIdentitiesOfThisPool',
      Effect: 'Allow',
      Principal: cognito,
      Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'],
      Condition: {
        StringEquals: { [`${COGNITO_IDENTITY_PRINCIPAL}:aud`]: options.identityPoolId },
        'ForAnyValue:StringLike': { [`${COGNITO_IDENTITY_PRINCIPAL}:amr`]: 'authenticated' },
      },
    },
    // Defence in depth behind the tenant-claim trigger: the identity pool may set only the tenant
    // tag, and never to a value that is no tenant id or that names a fixed folder. A Deny on
    // sts:TagSession fails the whole credential exchange, so such a session never exists.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_permissions-required
    {
      Sid: 'DenyUnexpectedSessionTagKeys',
      Effect: 'Deny',
      Principal: cognito,
      Action: 'sts:TagSession',
      Condition: { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': [options.tenantTagKey] } },
    },
    {
      Sid: 'DenyMalformedTenantTagValues',
      Effect: 'Deny',
      Principal: cognito,
      Action: 'sts:TagSession',
      Condition: { StringLike: { [requestTag]: ['', ...malformedTenantTagPatterns()] } },
    },
  ];
  if (reserved.length > 0) {
    statements.push({
      Sid: 'DenyReservedTenantTagValues',
      Effect: 'Deny',
      Principal: cognito,
      Action: 'sts:TagSession',
      Condition: { StringEqualsIgnoreCase: { [requestTag]: [...reserved] } },
    });
  }
  if (options.tenantId !== undefined) {
    // A tenant's role takes only sessions tagged with that tenant: a user put into the wrong group
    // still carries their own tenant's tag, and the exchange fails here. aws:RequestTag is the tag
    // the identity pool passes with the AssumeRoleWithWebIdentity call it makes for the user.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_adding-assume-role-idp
    statements.push({
      Sid: 'DenyTagOfAnotherTenant',
      Effect: 'Deny',
      Principal: cognito,
      Action: 'sts:TagSession',
      Condition: { StringNotEquals: { [requestTag]: options.tenantId } },
    });
  }
  return policyDocument(statements);
}

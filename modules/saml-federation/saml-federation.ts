import { CognitoIdentityProvider } from '@cdktf/provider-aws/lib/cognito-identity-provider';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { SamlMetadata, SamlMetadataDocument } from './saml-metadata';

/** The claim most IdPs (AD FS, Entra ID, Okta's defaults) put the e-mail address in. */
export const DEFAULT_EMAIL_SAML_ATTRIBUTE = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress';

/**
 * Names a SAML provider must not take, compared case-insensitively: a social
 * provider's name is its type (`Google`, `Facebook`, `LoginWithAmazon`,
 * `SignInWithApple`), and `COGNITO` stands for the user pool's own directory in
 * an app client's `supported_identity_providers`, so a tenant named like one of
 * them would be ambiguous to app clients and the authorize endpoint.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-managing-saml-idp-naming.html
 */
export const RESERVED_PROVIDER_NAMES: readonly string[] = ['Cognito', 'Google', 'Facebook', 'LoginWithAmazon', 'SignInWithApple'];

/** Properties of a `SamlTenantProvider`. */
export interface SamlTenantProviderProps {
  /** The user pool the identity provider belongs to. */
  readonly userPoolId: string;
  /**
   * The provider name users are sent to (`identity_provider=<name>`) and app
   * clients list in `supported_identity_providers`. 3 to 32 characters, no
   * leading underscore, no surrounding spaces, not a reserved name.
   */
  readonly providerName: string;
  /** The tenant IdP's metadata: `SamlMetadata.fromFile(path)` or `SamlMetadata.fromUrl(url)`. */
  readonly metadata: SamlMetadata;
  /**
   * The SAML attribute in which the IdP sends the e-mail address.
   * @default 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress'
   */
  readonly emailSamlAttribute?: string | undefined;
  /**
   * Whether signing out of the user pool also signs the user out of the IdP
   * (SAML single logout). Needs a SingleLogoutService in the metadata.
   * @default false
   */
  readonly idpSignout?: boolean;
  /**
   * Identifiers (for example e-mail domains) that route users to this IdP
   * through `idp_identifier` on the authorize endpoint.
   * @default - none
   */
  readonly identifiers?: readonly string[];
}

/**
 * One tenant's SAML identity provider in a Cognito user pool
 * (`aws_cognito_identity_provider`, provider type `SAML`), mapping the e-mail
 * address from the assertion into the user pool.
 *
 * It maps nothing else, and never the tenant: an IdP administered by one tenant
 * could assert any other tenant's id. The tenant of a federated user is the
 * tenant this provider is bound to, set in the ID token by the tenant-claim
 * trigger (modules/tenant-claim).
 *
 * The app client that uses this provider must list exactly `mappedAttributes`
 * in its `write_attributes`, and the user pool must declare them mutable:
 * Cognito rewrites mapped attributes on every federated sign-in, and fails the
 * sign-in if it cannot.
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-specifying-attribute-mapping.html
 */
export class SamlTenantProvider extends Construct {
  /** The provider name, for `supported_identity_providers` and the authorize endpoint. */
  readonly providerName: string;
  /** The user-pool attributes the attribute mapping writes: `email` only. */
  readonly mappedAttributes: readonly string[];
  /** The underlying resource, for overrides. */
  readonly resource: CognitoIdentityProvider;

  constructor(scope: Construct, id: string, props: SamlTenantProviderProps) {
    super(scope, id);

    const emailSamlAttribute = props.emailSamlAttribute ?? DEFAULT_EMAIL_SAML_ATTRIBUTE;
    const idpSignout = props.idpSignout ?? false;

    const errors = validate(props, emailSamlAttribute, idpSignout);
    if (errors.length > 0) {
      throw new Error(`SamlTenantProvider ${this.node.path} has invalid props:\n- ${errors.join('\n- ')}`);
    }

    this.providerName = props.providerName;
    this.mappedAttributes = ['email'];

    this.resource = new CognitoIdentityProvider(this, 'IdentityProvider', {
      userPoolId: props.userPoolId,
      providerName: props.providerName,
      providerType: 'SAML',
      // Cognito takes every provider detail as a string, booleans included.
      // https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateIdentityProvider.html
      providerDetails: {
        ...props.metadata.providerDetails(),
        IDPSignout: idpSignout ? 'true' : 'false',
      },
      // Keys are user-pool attributes, values are SAML attribute names.
      attributeMapping: { email: emailSamlAttribute },
      ...(props.identifiers === undefined ? {} : { idpIdentifiers: [...props.identifiers] }),
    });
  }
}

/**
 * Limits from the CreateIdentityProvider API reference:
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateIdentityProvider.html
 * ProviderName: 3 to 32 characters, pattern `[^_][\p{L}\p{M}\p{S}\p{N}\p{P}][^_]+`
 * (the pattern alone already needs three characters). IdpIdentifiers: at most 50, each 1 to 40 characters of `[\w\s+=.@-]`.
 */
const PROVIDER_NAME_MIN = 3;
const PROVIDER_NAME_MAX = 32;
const IDENTIFIERS_MAX = 50;
const IDENTIFIER_MAX = 40;
const IDENTIFIER_PATTERN = /^[\w\s+=.@-]+$/;
const USER_POOL_ID_PATTERN = /^[\w-]+_[0-9a-zA-Z]+$/;

function validate(props: SamlTenantProviderProps, emailSamlAttribute: string, idpSignout: boolean): string[] {
  const errors: string[] = [];
  const known = (value: string): boolean => !Token.isUnresolved(value);

  if (known(props.userPoolId) && !USER_POOL_ID_PATTERN.test(props.userPoolId)) {
    errors.push(`userPoolId must look like <region>_<id> (received ${JSON.stringify(props.userPoolId)}): pass the user pool's id attribute.`);
  }

  const name = props.providerName;
  // Stryker disable next-line ConditionalExpression: an unresolved name is encoded as ${TfToken[TOKEN.n]}, which passes every check below (length, spaces, "_", reserved names).
  if (known(name)) {
    const length = [...name].length;
    if (length < PROVIDER_NAME_MIN || length > PROVIDER_NAME_MAX) {
      errors.push(
        `providerName must be ${PROVIDER_NAME_MIN} to ${PROVIDER_NAME_MAX} characters (received ${JSON.stringify(name)}, ${length} characters): Cognito's limit; use a shorter name such as the tenant id.`,
      );
    }
    if (name !== name.trim()) {
      errors.push(`providerName must not start or end with whitespace (received ${JSON.stringify(name)}): trim it.`);
    }
    if (name.startsWith('_')) {
      errors.push(`providerName must not start with an underscore (received ${JSON.stringify(name)}): Cognito rejects it; drop the underscore.`);
    }
    const reserved = RESERVED_PROVIDER_NAMES.find((r) => r.toLowerCase() === name.trim().toLowerCase());
    if (reserved !== undefined) {
      errors.push(
        `providerName ${JSON.stringify(name)} is reserved by Cognito for ${reserved === 'Cognito' ? 'the user pool itself' : `the ${reserved} social provider`}: name the SAML provider after the tenant instead.`,
      );
    }
  }

  for (const [prop, value] of [['emailSamlAttribute', emailSamlAttribute]] as const) {
    // Stryker disable next-line MethodExpression: a blank value also differs from its trimmed self, so the second test refuses it either way.
    if (known(value) && (value.trim() === '' || value !== value.trim())) {
      errors.push(`${prop} must be a SAML attribute name without surrounding whitespace (received ${JSON.stringify(value)}): copy the claim name from the tenant's IdP.`);
    }
  }

  // Stryker disable next-line ArrayDeclaration: without identifiers this list is only validated, never used, and a placeholder entry passes the same checks.
  const identifiers = props.identifiers ?? [];
  if (identifiers.length > IDENTIFIERS_MAX) {
    errors.push(`identifiers may hold at most ${IDENTIFIERS_MAX} entries (received ${identifiers.length}): Cognito's limit.`);
  }
  identifiers.forEach((identifier, i) => {
    if (known(identifier) && (identifier.length > IDENTIFIER_MAX || !IDENTIFIER_PATTERN.test(identifier))) {
      errors.push(
        `identifiers[${i}] must be 1 to ${IDENTIFIER_MAX} characters of letters, digits, spaces and + = . @ _ - (received ${JSON.stringify(identifier)}): Cognito's limit.`,
      );
    }
  });
  const duplicates = identifiers.filter((v, i) => known(v) && identifiers.indexOf(v) !== i);
  if (duplicates.length > 0) {
    errors.push(`identifiers must be unique (repeated: ${[...new Set(duplicates)].map((d) => JSON.stringify(d)).join(', ')}): remove the repeats.`);
  }

  // Cognito sends the sign-out request to the SingleLogoutService in the metadata.
  // https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp-sign-out.html
  if (idpSignout && props.metadata instanceof SamlMetadataDocument && !props.metadata.hasSingleLogoutService) {
    errors.push(
      `idpSignout is true but ${props.metadata.source} has no SingleLogoutService: ask the tenant for metadata with single logout, or leave idpSignout false.`,
    );
  }

  return errors;
}

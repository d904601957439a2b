import { CognitoIdentityProvider } from '@cdktf/provider-aws/lib/cognito-identity-provider';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { SecretSource } from './secret-source';

/**
 * What Google and Apple map into the user pool: the e-mail and whether the IdP verified it (the
 * account-linking trigger links on a verified e-mail only), and the IdP's `sub` as the user name.
 * Never a tenant: a social identity has none (rule IDP9).
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-specifying-attribute-mapping.html
 */
export const SOCIAL_ATTRIBUTE_MAPPING: Readonly<Record<string, string>> = { email: 'email', email_verified: 'email_verified', username: 'sub' };
/** The user-pool attributes the mapping writes; the federated app client must be able to write them. */
export const SOCIAL_MAPPED_ATTRIBUTES: readonly string[] = ['email', 'email_verified'];
/** Google: only what linking needs (OpenID Connect, e-mail and email_verified). */
export const GOOGLE_SCOPES: readonly string[] = ['openid', 'email'];
/** Apple: the e-mail (and email_verified, is_private_email) in the ID token. */
export const APPLE_SCOPES: readonly string[] = ['email'];

export interface GoogleSignInProps {
  /** The OAuth client id of a Google Cloud "Web application" client (`…apps.googleusercontent.com`). */
  readonly clientId: string;
  /** Where the client secret is read from; never the secret itself. */
  readonly clientSecret: SecretSource;
}

export interface AppleSignInProps {
  /** The Services ID (Apple's client id for the web), such as `com.example.uploads.signin`. */
  readonly servicesId: string;
  /** The Apple Developer team id (10 characters). */
  readonly teamId: string;
  /** The id of the Sign in with Apple key (10 characters). */
  readonly keyId: string;
  /** Where the key's private key (the .p8 file's PEM text) is read from; never the key itself. */
  readonly privateKey: SecretSource;
}

export interface SocialIdentityProvidersProps {
  /** The user pool the providers belong to. */
  readonly userPoolId: string;
  /** Sign in with Google. @default - not enabled */
  readonly google?: GoogleSignInProps | undefined;
  /** Sign in with Apple. @default - not enabled */
  readonly apple?: AppleSignInProps | undefined;
}

/** Every problem with the props, one line each. */
export function socialIdentityProviderProblems(props: Omit<SocialIdentityProvidersProps, 'userPoolId'>): string[] {
  const problems: string[] = [];
  const known = (value: string) => !Token.isUnresolved(value);
  if (props.google === undefined && props.apple === undefined) problems.push('enable google, apple or both: with neither there is nothing to create.');
  const google = props.google;
  if (google) {
    if (known(google.clientId) && !/^[A-Za-z0-9._-]{1,256}$/.test(google.clientId)) {
      problems.push(`google.clientId must be the OAuth client id, such as 1234-abc.apps.googleusercontent.com (received ${JSON.stringify(google.clientId)}).`);
    }
    problems.push(...google.clientSecret.problems('google.clientSecret:'));
  }
  const apple = props.apple;
  if (apple) {
    if (known(apple.servicesId) && !/^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$/.test(apple.servicesId)) {
      problems.push(`apple.servicesId must be the Services ID, a reverse-domain name such as com.example.signin (received ${JSON.stringify(apple.servicesId)}).`);
    }
    for (const key of ['teamId', 'keyId'] as const) {
      if (known(apple[key]) && !/^[A-Z0-9]{10}$/.test(apple[key])) problems.push(`apple.${key} must be 10 upper-case letters or digits, as Apple shows it (received ${JSON.stringify(apple[key])}).`);
    }
    problems.push(...apple.privateKey.problems('apple.privateKey:'));
  }
  return problems;
}

/**
 * Google and Sign in with Apple as identity providers of a user pool (`aws_cognito_identity_provider`
 * of type `Google` and `SignInWithApple`; Cognito names them after their type). Their secrets are
 * read at plan time from where `SecretSource` says; the synthesized JSON holds only the reference.
 *
 * They map the e-mail and `email_verified`, never a tenant: a social user belongs to a tenant only
 * through the tenant-claim trigger's bindings, and social providers are bound to none.
 */
export class SocialIdentityProviders extends Construct {
  /** Provider names, for the federated app client's `supported_identity_providers`. */
  public readonly providerNames: readonly string[];
  /** The user-pool attributes the providers write (`email`, `email_verified`). */
  public readonly mappedAttributes: readonly string[];
  /** The underlying resources, for overrides and `dependsOn`. */
  public readonly resources: readonly CognitoIdentityProvider[];

  constructor(scope: Construct, id: string, props: SocialIdentityProvidersProps) {
    super(scope, id);
    const problems = socialIdentityProviderProblems(props);
    if (problems.length > 0) throw new Error(`SocialIdentityProviders ${this.node.path}:\n  - ${problems.join('\n  - ')}`);

    const resources: CognitoIdentityProvider[] = [];
    // https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-social-idp.html
    if (props.google) {
      resources.push(
        new CognitoIdentityProvider(this, 'GoogleProvider', {
          userPoolId: props.userPoolId,
          providerName: 'Google',
          providerType: 'Google',
          providerDetails: {
            client_id: props.google.clientId,
            client_secret: props.google.clientSecret.bind(this, 'GoogleClientSecret'),
            authorize_scopes: GOOGLE_SCOPES.join(' '),
          },
          attributeMapping: { ...SOCIAL_ATTRIBUTE_MAPPING },
        }),
      );
    }
    // https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-social-idp-apple.html
    if (props.apple) {
      resources.push(
        new CognitoIdentityProvider(this, 'AppleProvider', {
          userPoolId: props.userPoolId,
          providerName: 'SignInWithApple',
          providerType: 'SignInWithApple',
          providerDetails: {
            client_id: props.apple.servicesId,
            team_id: props.apple.teamId,
            key_id: props.apple.keyId,
            private_key: props.apple.privateKey.bind(this, 'ApplePrivateKey'),
            authorize_scopes: APPLE_SCOPES.join(' '),
          },
          attributeMapping: { ...SOCIAL_ATTRIBUTE_MAPPING },
        }),
      );
    }
    this.resources = resources;
    this.providerNames = [...(props.google ? ['Google'] : []), ...(props.apple ? ['SignInWithApple'] : [])];
    this.mappedAttributes = [...SOCIAL_MAPPED_ATTRIBUTES];
  }
}

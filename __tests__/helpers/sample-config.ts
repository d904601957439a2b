import type { EnvironmentConfigInput } from '../../modules/environment-config';

/** A small valid environment config (one native tenant, one SAML tenant on saml/globex.xml), a fresh copy each call. */
export function sampleEnvironmentConfig(): EnvironmentConfigInput {
  return {
    region: 'eu-central-1',
    namePrefix: 'up',
    tenants: [
      { id: 'acme', displayName: 'Acme' },
      { id: 'globex', displayName: 'Globex', saml: { metadataFile: 'globex.xml' } },
    ],
    cors: { allowedOrigins: ['https://app.example.com'] },
    oauth: { callbackUrls: ['https://app.example.com/cb'], logoutUrls: ['https://app.example.com/'] },
  };
}

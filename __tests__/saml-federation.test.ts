import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { CognitoIdentityProvider } from '@cdktf/provider-aws/lib/cognito-identity-provider';
import { TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { Construct } from 'constructs';
import {
  SamlMetadata,
  SamlMetadataError,
  SamlTenantProvider,
  SamlTenantProviderProps,
  inspectSamlMetadataFile,
} from '../modules/saml-federation';

const GLOBEX = 'saml/globex.xml';
const FIXTURES = '__tests__/fixtures/saml';
const GLOBEX_XML = readFileSync(GLOBEX, 'utf8');
const DAY_MS = 24 * 60 * 60 * 1000;

/** The day the sample metadata was made; tests never read the real clock. */
const TODAY = new Date('2026-11-25T00:00:00Z');

interface SynthesizedProvider {
  provider_name: string;
  provider_type: string;
  user_pool_id: string;
  provider_details: Record<string, string>;
  attribute_mapping: Record<string, string>;
  idp_identifiers?: string[];
}

function synthProviders(build: (scope: Construct) => void): SynthesizedProvider[] {
  const synthesized = JSON.parse(Testing.synthScope((scope) => build(scope)));
  return Object.values((synthesized.resource?.aws_cognito_identity_provider ?? {}) as Record<string, SynthesizedProvider>);
}

const baseProps = (): SamlTenantProviderProps => ({
  userPoolId: 'eu-west-1_AbCdEf123',
  providerName: 'globex',
  metadata: SamlMetadata.fromFile(GLOBEX),
});

function synthOne(props: Partial<SamlTenantProviderProps> = {}): SynthesizedProvider {
  const providers = synthProviders((scope) => new SamlTenantProvider(scope, 'Globex', { ...baseProps(), ...props }));
  expect(providers).toHaveLength(1);
  return providers[0];
}

function construct(props: Partial<SamlTenantProviderProps>): () => void {
  return () => {
    const stack = new TerraformStack(Testing.app(), 'Test');
    new SamlTenantProvider(stack, 'Globex', { ...baseProps(), ...props });
  };
}

/**
 * The globex document with its `md:` and `ds:` prefixes renamed, or removed when
 * the new prefix is ''. Without prefixes, the metadata namespace becomes the
 * default namespace and the signature elements inherit it, as many IdPs write them.
 */
function withPrefixes(md: string, ds: string): string {
  let xml = GLOBEX_XML;
  for (const [from, to] of [['ds', ds], ['md', md]] as const) {
    xml = xml.replace(new RegExp(`<(/?)${from}:`, 'g'), to === '' ? '<$1' : `<$1${to}:`);
    const declaration = new RegExp(` xmlns:${from}="([^"]*)"`);
    if (to !== '') xml = xml.replace(declaration, ` xmlns:${to}="$1"`);
    else xml = xml.replace(declaration, from === 'md' ? ' xmlns="$1"' : '');
  }
  return xml;
}

describe('SamlMetadata', () => {
  it('reads the entity ID and the signing certificate of saml/globex.xml', () => {
    const metadata = SamlMetadata.fromFile(GLOBEX);
    expect(metadata.source).toBe(GLOBEX);
    expect(metadata.entityId).toBe('https://idp.globex.example/saml/metadata');
    expect(metadata.signingCertificates).toHaveLength(1);
    expect(metadata.signingCertificates[0].subject).toMatch(/CN=idp\.globex\.example/);
    expect(metadata.signingCertificates[0].fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(metadata.hasSingleLogoutService).toBe(true);
    expect(metadata.providerDetails()).toEqual({ MetadataFile: GLOBEX_XML });
  });

  it('keeps saml/globex.xml valid for at least 10 years from 2026-11-25', () => {
    const metadata = SamlMetadata.fromFile(GLOBEX);
    const tenYears = new Date('2036-11-25T00:00:00Z');
    expect(metadata.signingCertificates[0].validTo.getTime()).toBeGreaterThan(tenYears.getTime() + 30 * DAY_MS);
    expect(metadata.check(TODAY)).toEqual({ errors: [], warnings: [] });
    expect(metadata.check(tenYears)).toEqual({ errors: [], warnings: [] });
  });

  it('signs the sample metadata with an RSA 2048 key', () => {
    const body = GLOBEX_XML.match(/<ds:X509Certificate>([^<]+)</)![1].replace(/\s+/g, '');
    const certificate = new X509Certificate(Buffer.from(body, 'base64'));
    expect(certificate.publicKey.asymmetricKeyType).toBe('rsa');
    expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });

  it.each([
    ['no prefixes (default namespace)', '', ''],
    ['other prefixes', 'saml2md', 'dsig'],
  ])('reads metadata written with %s', (_label, md, ds) => {
    const metadata = SamlMetadata.fromXml(withPrefixes(md, ds), 'renamed.xml');
    expect(metadata.entityId).toBe('https://idp.globex.example/saml/metadata');
    expect(metadata.signingCertificates[0].fingerprint256).toBe(SamlMetadata.fromFile(GLOBEX).signingCertificates[0].fingerprint256);
  });

  it('treats a KeyDescriptor without a use attribute as a signing key', () => {
    const metadata = SamlMetadata.fromXml(GLOBEX_XML.replace('<md:KeyDescriptor use="signing">', '<md:KeyDescriptor>'));
    expect(metadata.signingCertificates).toHaveLength(1);
  });

  it.each([
    ['not-xml.xml', /SAML metadata __tests__\/fixtures\/saml\/not-xml\.xml is not well-formed XML \(line 3, column \d+: Expected closing tag 'meta'.*\): ask the tenant/],
    ['no-idpsso.xml', /no-idpsso\.xml has no IDPSSODescriptor \(it has an SPSSODescriptor: this is service-provider metadata.*\): ask the tenant/],
    ['no-signing-cert.xml', /no-signing-cert\.xml has no signing certificate \(a KeyDescriptor with use="signing".*\): Cognito verifies assertions with it/],
    ['missing.xml', /SAML metadata file __tests__\/fixtures\/saml\/missing\.xml does not exist: save the tenant's IdP metadata XML at that path/],
  ])('reports %s with what is wrong and how to fix it', (file, message) => {
    const load = () => SamlMetadata.fromFile(`${FIXTURES}/${file}`);
    expect(load).toThrow(SamlMetadataError);
    expect(load).toThrow(message);
  });

  it('rejects an empty document', () => {
    expect(() => SamlMetadata.fromXml('  \n', 'empty.xml')).toThrow(/SAML metadata empty\.xml is empty: ask the tenant/);
  });

  it('rejects a root element other than EntityDescriptor', () => {
    const aggregate = `<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${GLOBEX_XML.replace(/<\?xml[^>]*>/, '')}</md:EntitiesDescriptor>`;
    expect(() => SamlMetadata.fromXml(aggregate, 'aggregate.xml')).toThrow(
      /aggregate\.xml has <md:EntitiesDescriptor> as its root element, expected md:EntityDescriptor: .*copy the single md:EntityDescriptor/,
    );
  });

  it('rejects an EntityDescriptor outside the SAML 2.0 metadata namespace', () => {
    const wrong = GLOBEX_XML.replace('xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"', 'xmlns:md="urn:example:not-saml"');
    expect(() => SamlMetadata.fromXml(wrong, 'wrong-ns.xml')).toThrow(/wrong-ns\.xml has its EntityDescriptor in namespace "urn:example:not-saml"/);
  });

  it('rejects an IDPSSODescriptor that does not support SAML 2.0', () => {
    const saml11 = GLOBEX_XML.replace('protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"', 'protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol"');
    expect(() => SamlMetadata.fromXml(saml11, 'saml11.xml')).toThrow(
      /saml11\.xml has no IDPSSODescriptor whose protocolSupportEnumeration lists urn:oasis:names:tc:SAML:2\.0:protocol \(received "urn:oasis:names:tc:SAML:1\.1:protocol"\): Cognito supports SAML 2\.0 only/,
    );
  });

  it('rejects a signing certificate that cannot be parsed', () => {
    const broken = GLOBEX_XML.replace(/<ds:X509Certificate>[^<]+</, '<ds:X509Certificate>bm90IGEgY2VydGlmaWNhdGU=<');
    expect(() => SamlMetadata.fromXml(broken, 'broken-cert.xml')).toThrow(/broken-cert\.xml has a signing certificate \(#1\) that cannot be parsed/);
  });

  it('reports an expired signing certificate as an error', () => {
    const metadata = SamlMetadata.fromFile(`${FIXTURES}/expired.xml`);
    const { errors, warnings } = metadata.check(new Date('2026-01-01T00:00:00Z'));
    expect(errors).toEqual([
      'The SAML signing certificate in __tests__/fixtures/saml/expired.xml has expired (latest expiry 2025-01-01, checked at 2026-01-01): ask the tenant for new metadata with a current signing certificate and replace the file.',
    ]);
    expect(warnings).toEqual([]);
    expect(() => metadata.assertValidAt(new Date('2026-01-01T00:00:00Z'))).toThrow(SamlMetadataError);
  });

  it('warns when the signing certificate expires within 30 days', () => {
    const metadata = SamlMetadata.fromFile(GLOBEX);
    const validTo = metadata.signingCertificates[0].validTo;
    expect(metadata.check(new Date(validTo.getTime() - 10 * DAY_MS))).toEqual({
      errors: [],
      warnings: ['SAML signing certificate for saml/globex.xml expires on 2046-11-25 (in 10 days): ask the tenant for new metadata'],
    });
    expect(metadata.check(new Date(validTo.getTime() - 31 * DAY_MS)).warnings).toEqual([]);
  });

  it('accepts an expired certificate while another signing certificate is valid (key rollover)', () => {
    const expiredKey = readFileSync(`${FIXTURES}/expired.xml`, 'utf8').match(/<X509Certificate>([^<]+)</)![1];
    const rollover = GLOBEX_XML.replace(
      '<md:KeyDescriptor use="signing">',
      `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${expiredKey}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>\n    <md:KeyDescriptor use="signing">`,
    );
    const metadata = SamlMetadata.fromXml(rollover, 'rollover.xml');
    expect(metadata.signingCertificates).toHaveLength(2);
    expect(metadata.check(TODAY)).toEqual({ errors: [], warnings: [] });
  });

  it('accepts only https metadata URLs', () => {
    expect(SamlMetadata.fromUrl('https://idp.globex.example/saml/metadata').providerDetails()).toEqual({
      MetadataURL: 'https://idp.globex.example/saml/metadata',
    });
    expect(() => SamlMetadata.fromUrl('http://idp.globex.example/saml/metadata')).toThrow(/must be an absolute https:\/\/ URL \(received "http:/);
    expect(() => SamlMetadata.fromUrl('saml/globex.xml')).toThrow(SamlMetadataError);
  });
});

describe('SamlMetadata edge cases', () => {
  const globex = () => SamlMetadata.fromFile(GLOBEX);
  const validTo = () => globex().signingCertificates[0].validTo;
  const fromXml = (xml: string) => () => SamlMetadata.fromXml(xml, 'edge.xml');

  it('is expired at the very instant its latest certificate ends, and valid one millisecond before', () => {
    expect(globex().check(validTo()).errors).toEqual([expect.stringMatching(/^The SAML signing certificate in saml\/globex\.xml has expired \(latest expiry 2046-11-25/)]);
    expect(globex().check(new Date(validTo().getTime() - 1)).errors).toEqual([]);
  });

  it('warns from 30 days before expiry, not at 30 days and one millisecond, and says "1 day" in the singular', () => {
    expect(globex().check(new Date(validTo().getTime() - 30 * DAY_MS)).warnings).toEqual([]);
    expect(globex().check(new Date(validTo().getTime() - 30 * DAY_MS + 1)).warnings).toEqual([expect.stringContaining('(in 29 days)')]);
    expect(globex().check(new Date(validTo().getTime() - DAY_MS - 1)).warnings).toEqual([expect.stringContaining('(in 1 day)')]);
    expect(globex().check(new Date(validTo().getTime() - 1)).warnings).toEqual([expect.stringContaining('(in 0 days)')]);
  });

  it('judges expiry by the latest of several certificates, and says that every one has expired', () => {
    const expiredKey = readFileSync(`${FIXTURES}/expired.xml`, 'utf8').match(/<X509Certificate>([^<]+)</)![1];
    const signing = (cert: string) => `<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`;
    const current = GLOBEX_XML.match(/<ds:X509Certificate>([^<]+)</)![1];
    // The valid certificate first, then the expired one: the latest is found whatever the order.
    const both = SamlMetadata.fromXml(GLOBEX_XML.replace('<md:KeyDescriptor use="signing">', `${signing(current)}${signing(expiredKey)}<md:KeyDescriptor use="signing">`), 'both.xml');
    expect(both.signingCertificates).toHaveLength(3);
    expect(both.check(TODAY)).toEqual({ errors: [], warnings: [] });
    // The expired certificate last: the latest is not simply the last one.
    const expiredLast = SamlMetadata.fromXml(GLOBEX_XML.replace('</md:KeyDescriptor>', `</md:KeyDescriptor>${signing(expiredKey)}`), 'last.xml');
    expect(expiredLast.signingCertificates.map((c) => c.validTo.getUTCFullYear())).toEqual([2046, 2025]);
    expect(expiredLast.check(TODAY)).toEqual({ errors: [], warnings: [] });
    expect(both.check(new Date('2050-01-01T00:00:00Z')).errors).toEqual([
      'Every SAML signing certificate (3) in both.xml has expired (latest expiry 2046-11-25, checked at 2050-01-01): ask the tenant for new metadata with a current signing certificate and replace the file.',
    ]);
  });

  it('reads use=" signing " as a signing key (attribute values are trimmed)', () => {
    expect(SamlMetadata.fromXml(GLOBEX_XML.replace('<md:KeyDescriptor use="signing">', '<md:KeyDescriptor use=" signing ">')).signingCertificates).toHaveLength(1);
  });

  it('ignores encryption keys: only use="signing" or no use is a signing key', () => {
    const encryption = GLOBEX_XML.replace('<md:KeyDescriptor use="signing">', '<md:KeyDescriptor use="encryption">');
    expect(fromXml(encryption)).toThrow(/edge\.xml has no signing certificate/);
  });

  it('reads a certificate pasted with PEM armour and line breaks', () => {
    const body = GLOBEX_XML.match(/<ds:X509Certificate>([^<]+)</)![1].replace(/\s+/g, '');
    const pem = `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----`;
    const metadata = SamlMetadata.fromXml(GLOBEX_XML.replace(/<ds:X509Certificate>[^<]+</, `<ds:X509Certificate>${pem}<`), 'pem.xml');
    expect(metadata.signingCertificates[0].fingerprint256).toBe(globex().signingCertificates[0].fingerprint256);
  });

  it.each([
    ['an empty certificate element', ''],
    ['PEM armour only', '-----BEGIN CERTIFICATE----------END CERTIFICATE-----'],
    ['characters outside base64', 'MIIB$$$'],
    ['padding in the middle', 'AA==AA'],
  ])('refuses %s as a certificate', (_label, body) => {
    expect(fromXml(GLOBEX_XML.replace(/<ds:X509Certificate>[^<]+</, `<ds:X509Certificate>${body}<`))).toThrow(/edge\.xml (has a signing certificate \(#1\) that cannot be parsed|has no signing certificate)/);
  });

  it('strips a byte-order mark before parsing and from what it sends to Cognito', () => {
    const metadata = SamlMetadata.fromXml(`\ufeff${GLOBEX_XML}`);
    expect(metadata.xml).toBe(GLOBEX_XML);
    expect(metadata.providerDetails()).toEqual({ MetadataFile: GLOBEX_XML });
    expect(metadata.source).toBe('inline SAML metadata');
  });

  it('refuses an EntityDescriptor without an entityID, or with a blank one', () => {
    expect(fromXml(GLOBEX_XML.replace(/ entityID="[^"]*"/, ''))).toThrow('SAML metadata edge.xml has no entityID on its EntityDescriptor: ask the tenant');
    expect(fromXml(GLOBEX_XML.replace(/ entityID="[^"]*"/, ' entityID="  "'))).toThrow(/has no entityID/);
    expect(SamlMetadata.fromXml(GLOBEX_XML.replace(/ entityID="([^"]*)"/, ' entityID=" $1 "')).entityId).toBe('https://idp.globex.example/saml/metadata');
  });

  it('refuses metadata without a SingleSignOnService', () => {
    expect(fromXml(GLOBEX_XML.replace(/\s*<md:SingleSignOnService[^>]*\/>/g, ''))).toThrow(
      'SAML metadata edge.xml has no SingleSignOnService in its IDPSSODescriptor: Cognito sends users there to sign in; ask the tenant',
    );
  });

  it('names a missing namespace declaration, a foreign root and no IDPSSODescriptor at all', () => {
    expect(fromXml(GLOBEX_XML.replace(' xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"', ''))).toThrow(/has its EntityDescriptor in namespace \(none declared\), expected urn:oasis:names:tc:SAML:2\.0:metadata/);
    expect(fromXml('<html><body>Sign in</body></html>')).toThrow("SAML metadata edge.xml has <html> as its root element, expected md:EntityDescriptor: ask the tenant for their identity provider's SAML 2.0 metadata XML and replace the file");
    const bare = '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>';
    expect(fromXml(bare)).toThrow('SAML metadata edge.xml has no IDPSSODescriptor: ask the tenant');
  });

  it('finds the SAML 2.0 descriptor among several protocols and descriptors', () => {
    const multi = GLOBEX_XML.replace('protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"', 'protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol  urn:oasis:names:tc:SAML:2.0:protocol"');
    expect(SamlMetadata.fromXml(multi).entityId).toBe('https://idp.globex.example/saml/metadata');
    const noEnum = GLOBEX_XML.replace(' protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"', '');
    expect(fromXml(noEnum)).toThrow(/lists urn:oasis:names:tc:SAML:2\.0:protocol \(received ""\)/);
  });

  it('accepts a processing instruction beside the root element, and a numeric entityID as text', () => {
    const styled = GLOBEX_XML.replace('<md:EntityDescriptor', '<?xml-stylesheet type="text/xsl" href="metadata.xsl"?>\n<md:EntityDescriptor');
    expect(SamlMetadata.fromXml(styled).entityId).toBe('https://idp.globex.example/saml/metadata');
    expect(SamlMetadata.fromXml(GLOBEX_XML.replace(/ entityID="[^"]*"/, ' entityID="12345"')).entityId).toBe('12345');
  });

  it('says why a certificate cannot be parsed: not base64, or not a certificate', () => {
    const withBody = (body: string) => fromXml(GLOBEX_XML.replace(/<ds:X509Certificate>[^<]+</, `<ds:X509Certificate>${body}<`));
    expect(withBody('MIIB$$$')).toThrow(
      'SAML metadata edge.xml has a signing certificate (#1) that cannot be parsed (not base64): the ds:X509Certificate must hold a base64 DER certificate; ask the tenant',
    );
    expect(withBody('AA==AA')).toThrow(/\(#1\) that cannot be parsed \(not base64\)/);
    expect(withBody('bm90IGEgY2VydGlmaWNhdGU=')).toThrow(/\(#1\) that cannot be parsed \((?!not base64)/);
  });

  it('says "not base64" for a body with characters outside base64 anywhere, and an empty certificate element, even one with attributes', () => {
    const withCert = (element: string) => fromXml(GLOBEX_XML.replace(/<ds:X509Certificate>[^<]+<\/ds:X509Certificate>/, element));
    for (const body of ['$$$$AAAA', 'AAAA$$$$', 'AA$$AA']) expect(withCert(`<ds:X509Certificate>${body}</ds:X509Certificate>`)).toThrow('that cannot be parsed (not base64)');
    expect(withCert('<ds:X509Certificate Id="c1"/>')).toThrow('that cannot be parsed (not base64)');
    expect(withCert('<ds:X509Certificate>12345678</ds:X509Certificate>')).toThrow(/that cannot be parsed \((?!not base64)/);
  });

  it('reads a certificate element that carries attributes', () => {
    const body = GLOBEX_XML.match(/<ds:X509Certificate>([^<]+)</)![1];
    const metadata = SamlMetadata.fromXml(GLOBEX_XML.replace(/<ds:X509Certificate>[^<]+</, `<ds:X509Certificate Id="c1">${body}<`));
    expect(metadata.signingCertificates[0].fingerprint256).toBe(globex().signingCertificates[0].fingerprint256);
  });

  it('lists what every IDPSSODescriptor offers when none speaks SAML 2.0', () => {
    const descriptor = GLOBEX_XML.match(/<md:IDPSSODescriptor[\s\S]*<\/md:IDPSSODescriptor>/)![0];
    const saml11 = descriptor.replace('urn:oasis:names:tc:SAML:2.0:protocol', 'urn:oasis:names:tc:SAML:1.1:protocol');
    const none = descriptor.replace(' protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"', '');
    expect(fromXml(GLOBEX_XML.replace(descriptor, `${saml11}\n${none}`))).toThrow('(received "urn:oasis:names:tc:SAML:1.1:protocol", "")');
  });

  it('reports a file that cannot be read for another reason with the reason', () => {
    expect(() => SamlMetadata.fromFile(`${GLOBEX}/metadata.xml`)).toThrow(`SAML metadata file ${GLOBEX}/metadata.xml could not be read (ENOTDIR): check the path and its permissions.`);
    expect(inspectSamlMetadataFile(`${FIXTURES}/missing.xml`, TODAY)).toEqual({ errors: [expect.stringMatching(/missing\.xml does not exist/)], warnings: [] });
  });

  it('says when the metadata path is a directory', () => {
    expect(() => SamlMetadata.fromFile(FIXTURES)).toThrow(`SAML metadata file ${FIXTURES} is a directory: point to the tenant's IdP metadata XML file.`);
  });

  it('refuses to judge expiry at an invalid date', () => {
    expect(() => globex().check(new Date(Number.NaN))).toThrow(TypeError);
    expect(() => globex().check('2026-01-01' as never)).toThrow('check(now) needs a valid Date (received 2026-01-01).');
    expect(() => SamlMetadata.fromUrl('https://idp.example/m').check(new Date(Number.NaN))).toThrow(TypeError);
    expect(SamlMetadata.fromUrl('https://idp.example/m').check(TODAY)).toEqual({ errors: [], warnings: [] });
    expect(inspectSamlMetadataFile(GLOBEX, new Date(Number.NaN))).toEqual({ metadata: expect.anything(), errors: ['check(now) needs a valid Date (received Invalid Date).'], warnings: [] });
  });

  it('throws every error of assertValidAt as a SamlMetadataError naming the source', () => {
    const metadata = SamlMetadata.fromFile(`${FIXTURES}/expired.xml`);
    const thrown = (() => {
      try {
        metadata.assertValidAt(new Date('2026-01-01T00:00:00Z'));
      } catch (err) {
        return err as SamlMetadataError;
      }
      return undefined;
    })();
    expect(thrown?.name).toBe('SamlMetadataError');
    expect(thrown?.source).toBe(`${FIXTURES}/expired.xml`);
    expect(thrown?.message).toMatch(/^The SAML signing certificate in .*expired\.xml has expired/);
    expect(() => globex().assertValidAt(TODAY)).not.toThrow();
  });

  it('accepts a metadata URL that is a token, and refuses ftp and relative URLs', () => {
    expect(() => SamlMetadata.fromUrl('ftp://idp.example/m')).toThrow('SAML metadata URL must be an absolute https:// URL (received "ftp://idp.example/m")');
    expect(() => SamlMetadata.fromUrl('/metadata')).toThrow(/received "\/metadata"/);
    const stack = new TerraformStack(Testing.app(), 'Test');
    const url = new TerraformVariable(stack, 'Url', { type: 'string' }).stringValue;
    expect(SamlMetadata.fromUrl(url).providerDetails()).toEqual({ MetadataURL: url });
    expect(SamlMetadata.fromUrl(url).source).toBe(url);
  });
});

describe('inspectSamlMetadataFile', () => {
  it('returns the metadata with no errors for a usable file', () => {
    const result = inspectSamlMetadataFile(GLOBEX, TODAY);
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(result.metadata?.entityId).toBe('https://idp.globex.example/saml/metadata');
  });

  it('returns errors instead of throwing, one per file, ready to be prefixed by the config loader', () => {
    const files = ['not-xml.xml', 'no-idpsso.xml', 'no-signing-cert.xml', 'expired.xml', 'missing.xml'];
    const errors = files.flatMap((file, i) =>
      inspectSamlMetadataFile(`${FIXTURES}/${file}`, new Date('2026-01-01T00:00:00Z')).errors.map(
        (e) => `environments/dev/config.json tenants[${i}].saml.metadataFile: ${e}`,
      ),
    );
    expect(errors).toHaveLength(files.length);
    files.forEach((file, i) => expect(errors[i]).toMatch(new RegExp(`^environments/dev/config\\.json tenants\\[${i}\\]\\.saml\\.metadataFile: .*${file.replace('.', '\\.')}`)));
  });

  it('keeps the parsed metadata when the only problem is expiry', () => {
    const result = inspectSamlMetadataFile(`${FIXTURES}/expired.xml`, new Date('2026-01-01T00:00:00Z'));
    expect(result.metadata?.entityId).toBe('https://idp.expired.example/saml');
    expect(result.errors[0]).toMatch(/has expired/);
  });

  it('passes the expiry warning through', () => {
    const validTo = SamlMetadata.fromFile(GLOBEX).signingCertificates[0].validTo;
    const result = inspectSamlMetadataFile(GLOBEX, new Date(validTo.getTime() - 5 * DAY_MS));
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([expect.stringMatching(/expires on 2046-11-25 \(in 5 days\)/)]);
  });
});

describe('SamlTenantProvider', () => {
  it('creates one SAML identity provider in the user pool', () => {
    const provider = synthOne();
    expect(provider.provider_type).toBe('SAML');
    expect(provider.provider_name).toBe('globex');
    expect(provider.user_pool_id).toBe('eu-west-1_AbCdEf123');
  });

  it('embeds the metadata file content in provider_details', () => {
    expect(synthOne().provider_details.MetadataFile).toBe(GLOBEX_XML);
  });

  it('leaves IdP sign-out off by default and writes it as a string', () => {
    expect(synthOne().provider_details.IDPSignout).toBe('false');
    expect(synthOne({ idpSignout: true }).provider_details.IDPSignout).toBe('true');
  });

  it('maps only the e-mail address, from the standard emailaddress claim by default, and never a tenant claim (IDP9)', () => {
    expect(synthOne().attribute_mapping).toEqual({ email: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress' });
  });

  it('uses the e-mail attribute it is given', () => {
    expect(synthOne({ emailSamlAttribute: 'mail' }).attribute_mapping).toEqual({ email: 'mail' });
  });

  it('exposes the user-pool attributes the mapping writes, for the app client write_attributes', () => {
    const stack = new TerraformStack(Testing.app(), 'Test');
    const provider = new SamlTenantProvider(stack, 'Globex', baseProps());
    expect(provider.mappedAttributes).toEqual(['email']);
    expect(provider.providerName).toBe('globex');
    expect(provider.resource).toBeInstanceOf(CognitoIdentityProvider);
    expect(Object.keys(synthOne().attribute_mapping).sort()).toEqual([...provider.mappedAttributes].sort());
  });

  it('points Cognito at a metadata URL when given one', () => {
    const details = synthOne({ metadata: SamlMetadata.fromUrl('https://idp.globex.example/saml/metadata') }).provider_details;
    expect(details).toEqual({ MetadataURL: 'https://idp.globex.example/saml/metadata', IDPSignout: 'false' });
  });

  it('passes IdP identifiers through', () => {
    expect(synthOne({ identifiers: ['globex.example'] }).idp_identifiers).toEqual(['globex.example']);
    expect(synthOne().idp_identifiers).toBeUndefined();
  });

  it('accepts a 32-character provider name', () => {
    expect(synthOne({ providerName: 'g'.repeat(32) }).provider_name).toBe('g'.repeat(32));
  });

  it('rejects a provider name longer than 32 characters', () => {
    expect(construct({ providerName: 'g'.repeat(33) })).toThrow(/providerName must be 3 to 32 characters \(received "g{33}", 33 characters\)/);
  });

  it.each(['Cognito', 'COGNITO', 'Google', 'facebook', 'LoginWithAmazon', 'signinwithapple'])('rejects the reserved provider name %s', (name) => {
    expect(construct({ providerName: name })).toThrow(new RegExp(`providerName "${name}" is reserved by Cognito`));
  });

  it('rejects a leading underscore and surrounding whitespace in the provider name', () => {
    expect(construct({ providerName: '_globex' })).toThrow(/providerName must not start with an underscore \(received "_globex"\)/);
    expect(construct({ providerName: ' globex ' })).toThrow(/providerName must not start or end with whitespace/);
  });

  it('reports every invalid prop at once', () => {
    expect(construct({ providerName: 'g'.repeat(33), emailSamlAttribute: ' mail', identifiers: ['a', 'a'] })).toThrow(
      /SamlTenantProvider Test\/Globex has invalid props:\n- providerName must be 3 to 32.*\n- emailSamlAttribute must be a SAML attribute name.*\n- identifiers must be unique/,
    );
  });

  it('requires a SingleLogoutService in the metadata for IdP sign-out', () => {
    const noSlo = SamlMetadata.fromXml(GLOBEX_XML.replace(/\s*<md:SingleLogoutService[^>]*\/>/, ''), 'no-slo.xml');
    expect(construct({ metadata: noSlo, idpSignout: true })).toThrow(/idpSignout is true but no-slo\.xml has no SingleLogoutService/);
    expect(synthOne({ metadata: noSlo }).provider_details.IDPSignout).toBe('false');
  });

  describe('validation, at each limit and one past it', () => {
    it('accepts a provider name of 3 characters and refuses 2, counting characters, not UTF-16 units', () => {
      expect(synthOne({ providerName: 'glx' }).provider_name).toBe('glx');
      expect(construct({ providerName: 'gl' })).toThrow('providerName must be 3 to 32 characters (received "gl", 2 characters)');
      expect(synthOne({ providerName: '𝔤𝔩𝔵' }).provider_name).toBe('𝔤𝔩𝔵');
      expect(synthOne({ providerName: '𝔤'.repeat(32) }).provider_name).toBe('𝔤'.repeat(32));
      expect(construct({ providerName: '𝔤'.repeat(33) })).toThrow(/\(received "𝔤{33}", 33 characters\)/u);
    });

    it('names what a reserved name stands for, also when it only differs by surrounding spaces', () => {
      expect(construct({ providerName: 'Cognito' })).toThrow('providerName "Cognito" is reserved by Cognito for the user pool itself: name the SAML provider after the tenant instead.');
      expect(construct({ providerName: 'google' })).toThrow('providerName "google" is reserved by Cognito for the Google social provider');
      expect(construct({ providerName: ' Google ' })).toThrow(/whitespace[\s\S]*providerName " Google " is reserved by Cognito for the Google social provider/);
      expect(synthOne({ providerName: 'Googlex' }).provider_name).toBe('Googlex');
    });

    it('refuses whitespace at either end of the provider name, and a leading underscore only', () => {
      expect(construct({ providerName: 'globex ' })).toThrow('providerName must not start or end with whitespace (received "globex ")');
      expect(construct({ providerName: '\tglobex' })).toThrow(/must not start or end with whitespace/);
      expect(synthOne({ providerName: 'glo_bex_' }).provider_name).toBe('glo_bex_');
    });

    it('accepts a user-pool id <region>_<id> and refuses anything else', () => {
      expect(synthOne({ userPoolId: 'eu-west-1_A' }).user_pool_id).toBe('eu-west-1_A');
      for (const bad of ['abc', 'eu-west-1_', '_abc', 'eu-west-1_a-b', 'eu west-1_abc', 'eu-west-1_abc ', 'eu-west-1_ab_c!']) {
        expect(construct({ userPoolId: bad })).toThrow(`userPoolId must look like <region>_<id> (received ${JSON.stringify(bad)}): pass the user pool's id attribute.`);
      }
    });

    it('refuses an empty or blank e-mail attribute, and one with surrounding whitespace', () => {
      for (const bad of ['', '   ', 'mail ', ' mail']) {
        expect(construct({ emailSamlAttribute: bad })).toThrow(`emailSamlAttribute must be a SAML attribute name without surrounding whitespace (received ${JSON.stringify(bad)})`);
      }
    });

    it('accepts 50 identifiers of up to 40 characters and refuses 51, 41 characters, an empty one and other characters', () => {
      const fifty = Array.from({ length: 50 }, (_, i) => `d${i}.example`);
      expect(synthOne({ identifiers: fifty }).idp_identifiers).toEqual(fifty);
      expect(construct({ identifiers: [...fifty, 'x.example'] })).toThrow('identifiers may hold at most 50 entries (received 51): Cognito\'s limit.');
      const forty = `${'a'.repeat(32)}.example`;
      expect(forty).toHaveLength(40);
      expect(synthOne({ identifiers: [forty, 'a b+=.@_-1'] }).idp_identifiers).toEqual([forty, 'a b+=.@_-1']);
      for (const bad of [`${forty}x`, '', 'a/b', 'a,b', 'ä']) {
        expect(construct({ identifiers: ['ok.example', bad] })).toThrow(
          `identifiers[1] must be 1 to 40 characters of letters, digits, spaces and + = . @ _ - (received ${JSON.stringify(bad)}): Cognito's limit.`,
        );
      }
    });

    it('names each repeated identifier once', () => {
      expect(construct({ identifiers: ['a.example', 'b.example', 'a.example', 'b.example', 'a.example'] })).toThrow(
        'identifiers must be unique (repeated: "a.example", "b.example"): remove the repeats.',
      );
    });

    it('allows IdP sign-out with metadata that has a SingleLogoutService, and with a metadata URL (checked by Cognito)', () => {
      expect(synthOne({ idpSignout: true }).provider_details.IDPSignout).toBe('true');
      expect(synthOne({ idpSignout: true, metadata: SamlMetadata.fromUrl('https://idp.example/metadata') }).provider_details.IDPSignout).toBe('true');
    });
  });

  it('creates no resource when the props are invalid', () => {
    const stack = new TerraformStack(Testing.app(), 'Test');
    expect(() => new SamlTenantProvider(stack, 'Globex', { ...baseProps(), providerName: 'Google' })).toThrow();
    expect(stack.node.findAll().filter((c) => c instanceof CognitoIdentityProvider)).toHaveLength(0);
  });

  it('skips validation of values that are unresolved tokens', () => {
    const providers = synthProviders((scope) => {
      const poolId = new TerraformVariable(scope, 'PoolId', { type: 'string' });
      const name = new TerraformVariable(scope, 'Name', { type: 'string' });
      new SamlTenantProvider(scope, 'Globex', { ...baseProps(), userPoolId: poolId.stringValue, providerName: name.stringValue });
    });
    expect(providers[0].user_pool_id).toBe('${var.PoolId}');
    expect(providers[0].provider_name).toBe('${var.Name}');
  });
});

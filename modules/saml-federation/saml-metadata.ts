/**
 * SAML 2.0 identity-provider metadata, read and checked at synth time.
 *
 * Cognito only looks at the metadata when the identity provider is created or
 * updated, and a bad document surfaces as an opaque API error half-way through
 * an apply. So the document is parsed here, with a real XML parser, and the
 * problems Cognito (or the first sign-in) would hit are reported up front with
 * the file name and the fix.
 *
 * Clock: nothing in this file reads the real clock. Expiry is judged against a
 * `now` passed in by the caller (`check(now)`, `assertValidAt(now)`,
 * `inspectSamlMetadataFile(path, now)`); the production call site passes
 * `new Date()`, tests pass fixed dates.
 *
 * https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-saml-idp.html
 * https://docs.oasis-open.org/security/saml/v2.0/saml-metadata-2.0-os.pdf
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Token } from 'cdktf';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** The namespace an `EntityDescriptor` must be in (SAML 2.0 metadata, section 2). */
export const SAML_METADATA_NAMESPACE = 'urn:oasis:names:tc:SAML:2.0:metadata';

/** The protocol token an `IDPSSODescriptor` must list; Cognito speaks SAML 2.0 only. */
export const SAML2_PROTOCOL = 'urn:oasis:names:tc:SAML:2.0:protocol';

/** A signing certificate expiring within this many days produces a warning. */
export const SAML_CERTIFICATE_WARNING_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;

/** A signing certificate found in the metadata. */
export interface SamlSigningCertificate {
  /** The certificate subject, as `node:crypto` prints it (`C=US\nO=...\nCN=...`). */
  readonly subject: string;
  /** Start of the validity period. */
  readonly validFrom: Date;
  /** End of the validity period. */
  readonly validTo: Date;
  /** SHA-256 fingerprint, colon-separated upper-case hex. */
  readonly fingerprint256: string;
}

/** The result of checking metadata against a point in time. */
export interface SamlMetadataCheck {
  /** Problems that must stop a deployment. Empty when the metadata is usable. */
  readonly errors: string[];
  /** Problems a human should act on soon, such as a certificate about to expire. */
  readonly warnings: string[];
}

/** The result of `inspectSamlMetadataFile`. */
export interface SamlMetadataInspection extends SamlMetadataCheck {
  /**
   * The parsed metadata, present whenever the file could be read and parsed,
   * even if `errors` reports an expired certificate. Deploy only when `errors` is empty.
   */
  readonly metadata?: SamlMetadataDocument;
}

/** The `provider_details` keys that tell Cognito where the metadata is. */
export type SamlMetadataProviderDetails = { readonly MetadataFile: string } | { readonly MetadataURL: string };

/** Thrown when SAML metadata cannot be used. The message names the source, the problem and the fix. */
export class SamlMetadataError extends Error {
  /** The file path, URL or label of the metadata the error is about. */
  readonly source: string;

  constructor(source: string, message: string) {
    super(message);
    this.name = 'SamlMetadataError';
    this.source = source;
  }
}

/**
 * Where a SAML identity provider's metadata comes from: a file read at synth
 * time (`fromFile`), a string (`fromXml`) or a URL Cognito fetches itself (`fromUrl`).
 */
export abstract class SamlMetadata {
  /**
   * Reads and parses the metadata file at `path` (relative to the working
   * directory, which is the project root under `cdktf synth` and jest).
   * Throws `SamlMetadataError` if the file is missing or is not usable IdP
   * metadata. Certificate expiry is not judged here: call `check(now)`.
   */
  static fromFile(path: string): SamlMetadataDocument {
    let xml: string;
    try {
      xml = readFileSync(path, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw new SamlMetadataError(
          path,
          `SAML metadata file ${path} does not exist: save the tenant's IdP metadata XML at that path (paths are relative to the project root), or fix the path.`,
        );
      }
      if (code === 'EISDIR') {
        throw new SamlMetadataError(path, `SAML metadata file ${path} is a directory: point to the tenant's IdP metadata XML file.`);
      }
      throw new SamlMetadataError(path, `SAML metadata file ${path} could not be read (${code ?? String(err)}): check the path and its permissions.`);
    }
    return SamlMetadataDocument.parse(xml, path);
  }

  /**
   * Parses metadata given as a string. `source` names it in messages.
   * Throws `SamlMetadataError` like `fromFile`.
   */
  static fromXml(xml: string, source: string = 'inline SAML metadata'): SamlMetadataDocument {
    return SamlMetadataDocument.parse(xml, source);
  }

  /**
   * Metadata Cognito downloads from `url` when the provider is created or
   * updated. Only https is accepted: the metadata carries the certificate
   * Cognito trusts, so fetching it in clear text would let anyone on the path
   * swap the key. Nothing is fetched at synth time, so nothing is checked
   * beyond the URL itself.
   */
  static fromUrl(url: string): SamlMetadataUrl {
    return new SamlMetadataUrl(url);
  }

  /** The file path, URL or label of this metadata, as given, for messages. */
  abstract readonly source: string;

  /** The `provider_details` entries pointing Cognito at this metadata. */
  abstract providerDetails(): SamlMetadataProviderDetails;

  /** Errors and warnings for using this metadata at `now`. Never throws for a valid `now`. */
  abstract check(now: Date): SamlMetadataCheck;

  /**
   * Throws `SamlMetadataError` listing every error `check(now)` finds.
   * Warnings are not thrown; read them from `check(now)`.
   */
  assertValidAt(now: Date): void {
    const { errors } = this.check(now);
    if (errors.length > 0) {
      // Stryker disable next-line StringLiteral: check() reports at most one error (every certificate expired), so the separator never shows.
      throw new SamlMetadataError(this.source, errors.join('\n'));
    }
  }
}

/** Metadata given as a document (file or string), parsed at synth time. */
export class SamlMetadataDocument extends SamlMetadata {
  /** @internal use `SamlMetadata.fromFile` or `SamlMetadata.fromXml`. */
  static parse(xml: string, source: string): SamlMetadataDocument {
    return new SamlMetadataDocument(xml, source, parseIdpMetadata(xml, source));
  }

  /** The metadata document, as sent to Cognito in `MetadataFile` (without a byte-order mark). */
  readonly xml: string;
  readonly source: string;
  /** The IdP's `entityID`. */
  readonly entityId: string;
  /** The certificates the IdP signs assertions with, in document order. */
  readonly signingCertificates: readonly SamlSigningCertificate[];
  /** Whether the IdP publishes a `SingleLogoutService`, which Cognito's IdP sign-out needs. */
  readonly hasSingleLogoutService: boolean;

  private constructor(xml: string, source: string, parsed: ParsedIdpMetadata) {
    super();
    this.xml = stripBom(xml);
    this.source = source;
    this.entityId = parsed.entityId;
    this.signingCertificates = parsed.signingCertificates;
    this.hasSingleLogoutService = parsed.hasSingleLogoutService;
  }

  providerDetails(): SamlMetadataProviderDetails {
    return { MetadataFile: this.xml };
  }

  /**
   * - error when every signing certificate has expired at `now` (with several
   *   certificates, as during a key rollover, one valid certificate is enough);
   * - warning when the latest-expiring certificate expires within
   *   `SAML_CERTIFICATE_WARNING_DAYS` days, because that is when sign-in stops.
   */
  check(now: Date): SamlMetadataCheck {
    assertValidDate(now);
    const errors: string[] = [];
    const warnings: string[] = [];
    // Stryker disable next-line EqualityOperator: `>=` differs only for certificates ending at the same instant, which give the same expiry; `<=`, disabled with it, is pinned by 'judges expiry by the latest of several certificates'.
    const latest = this.signingCertificates.reduce((a, b) => (b.validTo.getTime() > a.validTo.getTime() ? b : a));
    const remainingMs = latest.validTo.getTime() - now.getTime();
    const expiry = isoDate(latest.validTo);
    if (remainingMs <= 0) {
      const which = this.signingCertificates.length === 1 ? 'The SAML signing certificate' : `Every SAML signing certificate (${this.signingCertificates.length})`;
      errors.push(
        `${which} in ${this.source} has expired (latest expiry ${expiry}, checked at ${isoDate(now)}): ask the tenant for new metadata with a current signing certificate and replace the file.`,
      );
    } else if (remainingMs < SAML_CERTIFICATE_WARNING_DAYS * DAY_MS) {
      const days = Math.floor(remainingMs / DAY_MS);
      warnings.push(
        `SAML signing certificate for ${this.source} expires on ${expiry} (in ${days} ${days === 1 ? 'day' : 'days'}): ask the tenant for new metadata`,
      );
    }
    return { errors, warnings };
  }
}

/** Metadata Cognito fetches from an https URL. */
export class SamlMetadataUrl extends SamlMetadata {
  /** The metadata URL. */
  readonly url: string;
  readonly source: string;

  /** @internal use `SamlMetadata.fromUrl`. */
  constructor(url: string) {
    super();
    if (!Token.isUnresolved(url)) {
      let parsed: URL | undefined;
      // An empty catch block leaves parsed undefined, and the URL is refused the same way; emptying
      // the try block refuses every URL (pinned by 'accepts only https metadata URLs').
      // Stryker disable BlockStatement: see above.
      try {
        parsed = new URL(url);
      } catch {
        parsed = undefined;
      }
      // Stryker restore BlockStatement
      if (parsed === undefined || parsed.protocol !== 'https:') {
        throw new SamlMetadataError(
          url,
          `SAML metadata URL must be an absolute https:// URL (received ${JSON.stringify(url)}): use the IdP's https metadata endpoint, or save the metadata to a file and use SamlMetadata.fromFile.`,
        );
      }
    }
    this.url = url;
    this.source = url;
  }

  providerDetails(): SamlMetadataProviderDetails {
    return { MetadataURL: this.url };
  }

  /** Always empty: the document is fetched by Cognito, not at synth time, so its certificates cannot be checked here. */
  check(now: Date): SamlMetadataCheck {
    assertValidDate(now);
    return { errors: [], warnings: [] };
  }
}

/**
 * Reads, parses and checks the metadata file at `path` against `now`. Never
 * throws: every problem comes back as a message in `errors` (a missing or
 * malformed file gives exactly one, since nothing after it can be checked).
 * Messages already name `path`; a config loader prefixes them with where the
 * path came from, e.g. `environments/prod/config.json tenants[2].saml.metadataFile: `,
 * and reports all tenants' errors together.
 */
export function inspectSamlMetadataFile(path: string, now: Date): SamlMetadataInspection {
  let metadata: SamlMetadataDocument;
  try {
    metadata = SamlMetadata.fromFile(path);
  } catch (err) {
    // Stryker disable next-line StringLiteral: fromFile wraps every failure (read, parse, certificate) in a SamlMetadataError, so this fallback is not reached.
    const message = err instanceof SamlMetadataError ? err.message : `SAML metadata file ${path} could not be read: ${String(err)}`;
    return { errors: [message], warnings: [] };
  }
  try {
    return { metadata, ...metadata.check(now) };
  } catch (err) {
    return { metadata, errors: [String(err instanceof Error ? err.message : err)], warnings: [] };
  }
}

// ---------------------------------------------------------------------------
// Parsing

interface ParsedIdpMetadata {
  readonly entityId: string;
  readonly signingCertificates: readonly SamlSigningCertificate[];
  readonly hasSingleLogoutService: boolean;
}

/** An element as fast-xml-parser returns it with the options below: attributes under `@_`, every child element in an array. */
type XmlElement = { readonly [key: string]: unknown };

const ATTR = '@_';
// Stryker disable next-line StringLiteral: the parser is given the same name (textNodeName) as the readers below use, whatever it is.
const TEXT = '#text';

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  textNodeName: TEXT,
  // Keep prefixes: the root element's namespace is checked through its xmlns declaration.
  removeNSPrefix: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Stryker disable next-line BooleanLiteral: with ignorePiTags on, the parser drops the <?xml ...?> declaration either way.
  ignoreDeclaration: true,
  ignorePiTags: true,
  // Stryker disable next-line ArrowFunction: children() and firstElement() accept a single element as well as an array of them.
  isArray: (_name, _path, _isLeaf, isAttribute) => !isAttribute,
});

function parseIdpMetadata(rawXml: string, source: string): ParsedIdpMetadata {
  function fail(problem: string, fix: string): never {
    throw new SamlMetadataError(source, `SAML metadata ${source} ${problem}: ${fix}`);
  }
  const askTenant = "ask the tenant for their identity provider's SAML 2.0 metadata XML and replace the file";

  const xml = stripBom(rawXml);
  if (xml.trim() === '') {
    fail('is empty', askTenant);
  }
  const validation = XMLValidator.validate(xml);
  if (validation !== true) {
    const { line, col, msg } = validation.err;
    // Stryker disable next-line ConditionalExpression,StringLiteral: fast-xml-parser's validator always reports a column, so the line-only form is never used.
    const where = col === undefined ? `line ${line}` : `line ${line}, column ${col}`;
    fail(`is not well-formed XML (${where}: ${msg})`, `${askTenant}; a saved HTML sign-in or error page is a common cause`);
  }

  const document = parser.parse(xml) as XmlElement;
  const roots = elementKeys(document);
  // Stryker disable next-line ConditionalExpression: the validator above refuses a document without a root element or with several, so there is always exactly one.
  if (roots.length !== 1 || localName(roots[0]!) !== 'EntityDescriptor') {
    // Stryker disable next-line ConditionalExpression,StringLiteral: there is always exactly one root element here (see above).
    const found = roots.length === 0 ? 'no element' : `<${roots.join('>, <')}>`;
    const fix =
      // Stryker disable next-line ConditionalExpression: there is always exactly one root element here; the EntitiesDescriptor test, disabled with it, is pinned by the aggregate and <html> cases.
      roots.length === 1 && localName(roots[0]!) === 'EntitiesDescriptor'
        ? 'Cognito takes the metadata of one IdP; copy the single md:EntityDescriptor of the tenant IdP into its own file'
        : askTenant;
    fail(`has ${found} as its root element, expected md:EntityDescriptor`, fix);
  }
  const rootKey = roots[0]!;
  const root = firstElement(document[rootKey]);

  const prefix = rootKey.includes(':') ? rootKey.slice(0, rootKey.indexOf(':')) : '';
  const namespace = root[prefix === '' ? `${ATTR}xmlns` : `${ATTR}xmlns:${prefix}`];
  if (namespace !== SAML_METADATA_NAMESPACE) {
    fail(
      `has its EntityDescriptor in namespace ${namespace === undefined ? '(none declared)' : JSON.stringify(namespace)}, expected ${SAML_METADATA_NAMESPACE}`,
      askTenant,
    );
  }

  // Stryker disable next-line MethodExpression: the parser already trims attribute values (trimValues), so this trim only says so.
  const entityId = attribute(root, 'entityID')?.trim();
  if (!entityId) {
    fail('has no entityID on its EntityDescriptor', askTenant);
  }

  const descriptors = children(root, 'IDPSSODescriptor');
  if (descriptors.length === 0) {
    const sp = children(root, 'SPSSODescriptor').length > 0 ? ' (it has an SPSSODescriptor: this is service-provider metadata, perhaps our own)' : '';
    fail(`has no IDPSSODescriptor${sp}`, askTenant);
  }
  // Stryker disable next-line Regex,StringLiteral: splitting at each whitespace character only adds empty tokens, and a descriptor without the attribute lists no protocol whatever placeholder it reads as; neither ever equals the protocol (the attribute name's own variant, disabled with them, is pinned by every metadata test).
  const idp = descriptors.find((d) => (attribute(d, 'protocolSupportEnumeration') ?? '').split(/\s+/).includes(SAML2_PROTOCOL));
  if (idp === undefined) {
    const received = descriptors.map((d) => JSON.stringify(attribute(d, 'protocolSupportEnumeration') ?? '')).join(', ');
    fail(
      `has no IDPSSODescriptor whose protocolSupportEnumeration lists ${SAML2_PROTOCOL} (received ${received})`,
      `Cognito supports SAML 2.0 only; ${askTenant}`,
    );
  }

  // A KeyDescriptor without `use` is for both signing and encryption (SAML 2.0 metadata, 2.4.1.1).
  const certificateTexts = children(idp, 'KeyDescriptor')
    .filter((k) => {
      const use = attribute(k, 'use');
      return use === undefined || use === 'signing';
    })
    .flatMap((k) => children(k, 'KeyInfo'))
    .flatMap((k) => children(k, 'X509Data'))
    .flatMap((d) => children(d, 'X509Certificate'))
    .map(text);
  if (certificateTexts.length === 0) {
    fail(
      'has no signing certificate (a KeyDescriptor with use="signing", or no use, holding a ds:X509Certificate in its IDPSSODescriptor)',
      `Cognito verifies assertions with it; ${askTenant}`,
    );
  }
  const signingCertificates = certificateTexts.map((body, i) => {
    try {
      return parseCertificate(body);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      return fail(
        `has a signing certificate (#${i + 1}) that cannot be parsed (${reason})`,
        `the ds:X509Certificate must hold a base64 DER certificate; ${askTenant}`,
      );
    }
  });

  if (children(idp, 'SingleSignOnService').length === 0) {
    fail('has no SingleSignOnService in its IDPSSODescriptor', `Cognito sends users there to sign in; ${askTenant}`);
  }

  return {
    entityId,
    signingCertificates,
    hasSingleLogoutService: children(idp, 'SingleLogoutService').length > 0,
  };
}

function parseCertificate(body: string): SamlSigningCertificate {
  // Some IdPs paste PEM armour into the element; the base64 body is what counts.
  // Stryker disable next-line Regex: removing whitespace one character at a time (`/\s/g`) removes the same characters.
  const base64 = body.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
  // Stryker disable next-line ConditionalExpression,StringLiteral: the pattern needs at least one character, so `base64 === ''` only says the same thing first; the pattern's own variants, disabled with it, are pinned by 'says "not base64"'.
  if (base64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new Error('not base64');
  }
  const cert = new X509Certificate(Buffer.from(base64, 'base64'));
  const validFrom = new Date(cert.validFrom);
  const validTo = new Date(cert.validTo);
  // Stryker disable next-line all: node:crypto only builds a certificate whose validity dates it could read, and prints them in a form Date parses; this guard cannot be reached today.
  if (Number.isNaN(validFrom.getTime()) || Number.isNaN(validTo.getTime())) {
    // Stryker disable next-line StringLiteral: unreachable, see above.
    throw new Error(`unreadable validity dates ${JSON.stringify(cert.validFrom)} - ${JSON.stringify(cert.validTo)}`);
  }
  return { subject: cert.subject, validFrom, validTo, fingerprint256: cert.fingerprint256 };
}

function localName(key: string): string {
  return key.slice(key.indexOf(':') + 1);
}

function elementKeys(node: XmlElement): string[] {
  // Stryker disable next-line all: callers look for element names (IDPSSODescriptor, KeyDescriptor, ...), which never start with "@_" or equal "#text", and the document level holds no attributes or text.
  return Object.keys(node).filter((k) => !k.startsWith(ATTR) && k !== TEXT);
}

function asElement(value: unknown): XmlElement {
  // An element with neither attributes nor children parses as a string (its text).
  // Stryker disable next-line ConditionalExpression,StringLiteral: the parser never yields null or undefined for an element; dropping the typeof test, disabled with them, breaks every certificate and is pinned by every metadata test.
  return typeof value === 'object' && value !== null ? (value as XmlElement) : { [TEXT]: value ?? '' };
}

function firstElement(value: unknown): XmlElement {
  return asElement(Array.isArray(value) ? value[0] : value);
}

/** Child elements with the given local name, whatever their prefix. */
function children(node: XmlElement, name: string): XmlElement[] {
  return elementKeys(node)
    .filter((k) => localName(k) === name)
    .flatMap((k) => {
      const value = node[k];
      // Stryker disable next-line ArrayDeclaration: isArray puts every element in an array, so the single-value branch is not taken.
      return (Array.isArray(value) ? value : [value]).map(asElement);
    });
}

function attribute(node: XmlElement, name: string): string | undefined {
  const value = node[`${ATTR}${name}`];
  // Stryker disable next-line ConditionalExpression: with parseAttributeValue off, an attribute is a string or absent (undefined) already.
  return typeof value === 'string' ? value : undefined;
}

function text(node: XmlElement): string {
  const value = node[TEXT];
  // Stryker disable next-line StringLiteral: an element without text is a certificate body that is refused as "not base64" whatever placeholder it reads as.
  return typeof value === 'string' ? value : '';
}

function stripBom(xml: string): string {
  return xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml;
}

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function assertValidDate(now: Date): void {
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new TypeError(`check(now) needs a valid Date (received ${String(now)}).`);
  }
}

/**
 * Typed IAM policy documents, serialised once.
 *
 * IAM policy variables (`${aws:PrincipalTag/customerName}`,
 * `${cognito-identity.amazonaws.com:sub}`) must reach AWS literally. Terraform
 * reads `${...}` inside any string as its own interpolation, so the synthesized
 * JSON has to carry them as `$${...}`; cdktf does not do that for us. The
 * escaping happens here and nowhere else: every module builds its documents as
 * `PolicyDocument` objects and calls `renderPolicy`.
 * https://developer.hashicorp.com/terraform/language/expressions/strings#escape-sequences
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
 */

/**
 * An IAM role ARN (commercial, China or GovCloud partition); role names allow `+=,.@_-` and paths.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
 */
export const IAM_ROLE_ARN_PATTERN = /^arn:aws(?:-cn|-us-gov)?:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;

/** The only policy language version in which IAM resolves policy variables. */
export const POLICY_VERSION = '2012-10-17';

export type ConditionValue = string | boolean | readonly (string | boolean)[];
/** `{ operator: { key: value(s) } }`, as IAM writes it. */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, ConditionValue>>>>;

export type PolicyPrincipal =
  | '*'
  | Readonly<{ AWS?: string | readonly string[]; Service?: string | readonly string[]; Federated?: string | readonly string[] }>;

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: PolicyPrincipal;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: ConditionBlock;
}

export interface PolicyDocument {
  readonly Version: typeof POLICY_VERSION;
  readonly Statement: readonly PolicyStatement[];
}

/** A policy document with the statements given and the right version. */
export function policyDocument(statements: readonly PolicyStatement[]): PolicyDocument {
  return { Version: POLICY_VERSION, Statement: statements };
}

/**
 * An IAM policy variable, written as IAM reads it: `iamVariable('aws:PrincipalTag/customerName')`
 * is `${aws:PrincipalTag/customerName}`. `renderPolicy` escapes it for Terraform.
 */
export function iamVariable(name: string): string {
  if (!/^[A-Za-z0-9:/._*?$-]+$/.test(name)) {
    throw new Error(`IAM policy variable name ${JSON.stringify(name)} has characters IAM does not allow in a variable.`);
  }
  return '${' + name + '}';
}

/** cdktf encodes an unresolved string token as `${TfToken[TOKEN.n]}`; those must stay as they are. */
const UNESCAPED_INTERPOLATION = /(?<!\$)\$\{(?!TfToken\[)/g;

/**
 * Escapes every `${` in a literal string so Terraform passes it through: `${x}` becomes `$${x}`.
 * cdktf tokens (references to other resources) are left alone so Terraform still resolves them.
 */
export function escapeForTerraform(text: string): string {
  // A replacer function, because in a replacement string `$$` itself means one `$`.
  return text.replace(UNESCAPED_INTERPOLATION, () => '$${');
}

/** Serialises a document to the JSON string a Terraform `policy` argument takes, escaped once. */
export function renderPolicy(doc: PolicyDocument): string {
  return escapeForTerraform(JSON.stringify(doc));
}

import { iamVariable } from '../iam-policy';

/**
 * A tenant id becomes an S3 key segment (`<tenant>/...`) and the value of the tenant session tag,
 * so it must fit both: lowercase, no `/`, no IAM wildcard, 2–63 characters.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_session-tags.html#id_session-tags_know
 */
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{1,62}$/;
/** The longest tenant id, and so the longest tenant tag value a policy accepts. */
export const TENANT_ID_MAX_LENGTH = 63;

/**
 * Characters STS accepts in a session-tag value (letters, digits, spaces and `_ . : / = + - @`) that
 * no tenant id has, plus the IAM wildcards. https://docs.aws.amazon.com/IAM/latest/UserGuide/id_tags.html#id_tags_rules_creating
 */
const FOREIGN_CHARACTERS = ['/', ':', '.', '_', '=', '+', '@', ' '];
const UPPER_CASE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.split('');

/**
 * `StringLike` patterns (case-sensitive) that match every tag value that cannot be a tenant id of
 * ASCII shape: one character, 64 or more, a leading hyphen, an upper-case letter (a case twin such
 * as `ACME` or `Private`), or a character no id has (`/`, `:`, `.`, `_`, `=`, `+`, `@`, space, `*`,
 * `?`). IAM has no regular expressions; `?` matches exactly one character, so 64 of them followed
 * by `*` match any value of 64 characters or more, and `${*}`/`${?}` match a literal `*`/`?`.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-specialchars
 *
 * What is left is a value of 2–63 lowercase letters, digits, hyphens or non-ASCII letters: it names
 * one top-level folder and nothing else. The fixed folders of the rules are denied by name
 * (`reservedTenantIds`); a value that names no tenant reaches only a folder that nobody owns.
 */
export function malformedTenantTagPatterns(): string[] {
  return [
    '?',
    `${'?'.repeat(TENANT_ID_MAX_LENGTH + 1)}*`,
    '-*',
    `*${iamVariable('*')}*`,
    `*${iamVariable('?')}*`,
    ...FOREIGN_CHARACTERS.map((c) => `*${c}*`),
    ...UPPER_CASE.map((c) => `*${c}*`),
  ];
}
